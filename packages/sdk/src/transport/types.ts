// The seam between the sender (batching, retries, acknowledgement) and how a batch reaches a
// sealer: over HTTP (`POST /v1/events`) or by a function call in the same process.

/** One spooled event on its way out. */
export interface OutboundEvent {
  id: string
  /** The event as UTF-8 JSON, exactly as log() serialized it. */
  payload: Buffer
}

/** The sealer's receipt for one event (architecture §5). */
export interface Acknowledgement {
  id: string
  seq: number
  /** Standard base64 of the event's leaf hash. */
  leaf_hash: string
  status: 'created' | 'duplicate'
}

/** How one attempt to deliver a batch ended. */
export type SendResult =
  /** Every event sealed (or found already sealed), one acknowledgement each, in batch order. */
  | { kind: 'acknowledged'; acks: Acknowledgement[] }
  /**
   * The batch was refused as it is (HTTP 400, or a 403 `tenant_mismatch` naming some of its
   * events, or all of them when each names another tenant than the one the credential is
   * confirmed for: nothing was committed) and sending it again unchanged will not help. `invalid`
   * lists the events the sealer named as unacceptable (by index in the batch): those are
   * dead-lettered and the others sent again. Without it, the
   * refusal names no event: the batch is bisected to find one, and an event refused alone
   * without being named is retried (and reported), never dead-lettered.
   */
  | {
      kind: 'rejected'
      status?: number
      message: string
      details?: unknown
      invalid?: readonly EventRefusal[]
    }
  /** Nothing is known to be committed and trying again later may work. */
  | { kind: 'retry'; status?: number; message: string; retryAfterMs?: number }

/** One event the sealer named as unacceptable, and why. */
export interface EventRefusal {
  /** Its index in the batch sent. */
  index: number
  message: string
  /** The sealer's details about this event (for the dead-letter file). */
  details?: unknown
}

export interface Transport {
  /** For messages: `http://host:port/v1/events`, `in-process`. */
  readonly name: string
  /**
   * Whether every event must name its tenant: true when there is no credential for the
   * sealer to take the tenant from.
   */
  readonly requiresTenant: boolean
  /** Most events per send. */
  readonly maxBatch: number
  /** One attempt; never throws (failures are results). Stops early when `signal` aborts. */
  send(events: readonly OutboundEvent[], signal: AbortSignal): Promise<SendResult>
  close?(): Promise<void>
}
