// The producer's side of auditing: `log(event)` returns at once and never throws; delivery
// happens in the background. DurableSink (the SDK's durable spool and in-process transport) is
// what `auditseal serve` uses; noopSink is the benchmark's "auditing off".

import type { AuditEvent } from '@auditseal/core'

export interface AuditSinkStats {
  /** Accepted, not yet sealed (including the batches being sealed right now). */
  pending: number
  /** Sealed into the log (or found there already: a retried batch may have committed). */
  sealed: number
  /** Seal attempts that failed and were retried. */
  retries: number
  /** Refused because the spool was full (counted and reported, never silent). */
  overflowed: number
  /** Refused because they are not valid v1 envelopes (a bug in the producer). */
  invalid: number
  /** Refused by the log for good (dead-lettered in the spool's directory); each one reported. */
  rejected: number
  /** Refused because the sink was already closed. */
  refusedClosed: number
}

export interface AuditSink {
  /** Queues `event` for sealing. Never throws, never waits; do not mutate the event afterwards. */
  log(event: AuditEvent): void
  /** Resolves when every event logged before the call is sealed (or refused for good). */
  flush(): Promise<void>
  /** Refuses new events, seals what is queued, then stops. Rejects if events were left over. */
  close(): Promise<void>
  stats(): AuditSinkStats
}

/** A sink that records nothing: the "auditing off" baseline of the benchmark. */
export function noopSink(): AuditSink {
  return {
    log() {},
    flush: async () => {},
    close: async () => {},
    stats: () => ({
      pending: 0,
      sealed: 0,
      retries: 0,
      overflowed: 0,
      invalid: 0,
      rejected: 0,
      refusedClosed: 0,
    }),
  }
}
