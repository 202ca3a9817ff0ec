// The shapes of the /v1 responses the viewer reads (architecture.md §5). Everything in them
// is untrusted: the verifier re-checks what matters, the UI only ever renders it as text.

/** An event as the API returns it: E's members at top level, plus `seq` and `leaf_hash`. */
export interface ApiEvent {
  v: number
  id: string
  tenant_id: string
  type: string
  outcome: string
  occurred_at: string
  recorded_at?: string
  actor: { type: string; id: string; name?: string }
  target?: { type: string; id: string; name?: string }
  source?: { ip?: string; user_agent?: string }
  request_id?: string
  error?: { code?: string; message: string }
  data?: Record<string, unknown>
  seq: number
  leaf_hash: string
}

export interface EventPage {
  events: ApiEvent[]
  next_cursor: string | null
}

/** `GET /v1/log` */
export interface LogInfo {
  origin: string
  vkey: string
  tree_size: number
  root_hash: string
}

/** `GET /v1/events/{id}/proof` */
export interface InclusionProofResponse {
  seq: number
  leaf_hash: string
  tree_size: number
  proof: string[]
  checkpoint: string
}

/** One entry of `GET /v1/checkpoints`. */
export interface CheckpointEntry {
  tree_size: number
  root_hash: string
  created_at: string
  note: string
}

export interface CheckpointList {
  checkpoints: CheckpointEntry[]
  next_cursor: string | null
}

/** `GET /v1/proofs/consistency` */
export interface ConsistencyProofResponse {
  from: number
  to: number
  proof: string[]
}

export type ExportFormat = 'csv' | 'ndjson'
