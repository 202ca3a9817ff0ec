// Inclusion proofs that always come with a signed checkpoint of the same tree size, so a
// client can check the proof against a root the log has signed, and nothing else.
//
// Without a tree size, the latest checkpoint is used; if it does not cover the event yet, a
// new one is signed first (on the primary). With a tree size N, N must be the size of a
// checkpoint the log has signed: a proof to an unsigned size could not be checked against
// any signature without a further consistency proof.

import type { AuditLog } from '../../store/audit-log.js'
import { StoreError } from '../../store/errors.js'
import { ApiError } from '../errors.js'
import type { AppMetrics } from '../metrics.js'

export interface EventInclusion {
  seq: number
  leafHash: Uint8Array
  treeSize: number
  proof: Uint8Array[]
  /** The signed checkpoint note of `treeSize`. */
  checkpoint: string
}

export async function eventInclusion(
  log: AuditLog,
  metrics: AppMetrics,
  tenantId: string,
  eventId: string,
  treeSize: number | undefined,
): Promise<EventInclusion> {
  const event = await log.reader.eventById(tenantId, eventId)
  if (event === undefined)
    throw new ApiError('not_found', `no event ${eventId} in this tenant's log`)
  const { checkpoint, signedNow } =
    treeSize === undefined
      ? await coveringCheckpoint(log, metrics, tenantId, event.seq)
      : { checkpoint: await checkpointAt(log, tenantId, event.seq, treeSize), signedNow: false }
  let proof: Uint8Array[]
  try {
    proof = await log.reader.inclusionProof(tenantId, event.seq, checkpoint.treeSize)
  } catch (error) {
    // Just signed on the primary, not yet on the replica the proof is read from.
    if (signedNow && error instanceof StoreError && error.code === 'TREE_SIZE_OUT_OF_RANGE') {
      throw new ApiError('not_yet_replicated', undefined, { headers: { 'retry-after': '1' } })
    }
    throw error
  }
  return {
    seq: event.seq,
    leafHash: event.leafHash,
    treeSize: checkpoint.treeSize,
    proof,
    checkpoint: checkpoint.note,
  }
}

async function coveringCheckpoint(
  log: AuditLog,
  metrics: AppMetrics,
  tenantId: string,
  seq: number,
): Promise<{ checkpoint: { treeSize: number; note: string }; signedNow: boolean }> {
  const latest = await log.reader.latestCheckpoint(tenantId)
  if (latest !== undefined) metrics.observeCheckpoint(tenantId, latest.createdAt)
  if (latest !== undefined && latest.treeSize > seq) return { checkpoint: latest, signedNow: false }
  const signed = await log.checkpointer.checkpointTenant(tenantId)
  if (signed === undefined || signed.treeSize <= seq) {
    // The event was read back, so the primary's tree holds it: this is not the client's fault.
    throw new Error(`tenant ${tenantId}: no checkpoint covers seq ${seq} after signing`)
  }
  metrics.observeCheckpoint(tenantId, new Date())
  return { checkpoint: signed, signedNow: true }
}

async function checkpointAt(
  log: AuditLog,
  tenantId: string,
  seq: number,
  treeSize: number,
): Promise<{ treeSize: number; note: string }> {
  if (treeSize <= seq) {
    throw new ApiError(
      'tree_size_out_of_range',
      `event seq ${seq} is not in the tree of size ${treeSize}; ask for a larger tree_size`,
    )
  }
  const { checkpoints } = await log.reader.checkpoints(tenantId, { limit: 1, atSize: treeSize })
  const checkpoint = checkpoints[0]
  if (checkpoint === undefined) {
    throw new ApiError(
      'not_found',
      `no checkpoint was signed at tree size ${treeSize}; GET /v1/checkpoints lists those that were`,
    )
  }
  return checkpoint
}
