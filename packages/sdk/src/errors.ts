/**
 * Every error the SDK raises carries a code from this closed union, so callers branch on
 * `code` rather than on message text. Invalid events are the core's InvalidEventError
 * (code INVALID_EVENT), thrown as the core throws it.
 */
export type AuditSdkErrorCode =
  /** Bad options to createAuditLogger or a transport. */
  | 'INVALID_OPTIONS'
  /** Another live process (or logger) holds the spool's lock. */
  | 'SPOOL_LOCKED'
  /** The spool is at maxSpoolBytes, or writing to it failed: the event was not spooled. */
  | 'SPOOL_FULL'
  /**
   * The spool's disk failed: spoolDir cannot be created or used (not a directory, no
   * permission, a full disk), or close() could not write the last buffered records.
   */
  | 'SPOOL_IO'
  /** log(), logSync() or flush() after close() (log() from the moment close() stops taking events). */
  | 'LOGGER_CLOSED'
  /**
   * The server refused the event for good (named in a 400 invalid_event, or in a 403
   * tenant_mismatch with other events of its batch); it is in the dead-letter file.
   */
  | 'EVENT_REJECTED'
  /** logSync() or flush() gave up waiting; the events stay spooled and will still be delivered. */
  | 'TIMEOUT'
  /** One delivery attempt failed and will be retried (reported through the `error` event). */
  | 'DELIVERY_FAILED'

export class AuditSdkError extends Error {
  readonly code: AuditSdkErrorCode

  constructor(code: AuditSdkErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'AuditSdkError'
    this.code = code
  }
}

/** Why the spool refused an event: it is full, or the disk refused the write. */
export type OverflowReason = 'full' | 'io'

/**
 * The spool could not take an event (code SPOOL_FULL). Thrown by log() under the `throw`
 * overflow policy, passed to `overflow` listeners under every policy, and the rejection of
 * logSync() whatever the policy.
 */
export class AuditOverflowError extends AuditSdkError {
  readonly reason: OverflowReason
  readonly spoolBytes: number
  readonly maxSpoolBytes: number

  /**
   * Events this overflow is about: 1 for an event log() could not spool; more for the records
   * a process exited with, buffered for a group commit the disk refused.
   */
  readonly events: number

  constructor(
    reason: OverflowReason,
    details: { spoolBytes: number; maxSpoolBytes: number; cause?: unknown; events?: number },
  ) {
    const events = details.events ?? 1
    const why =
      reason === 'full'
        ? `the spool holds ${details.spoolBytes} bytes, at its limit of ${details.maxSpoolBytes} (maxSpoolBytes): the audit server has not acknowledged events for a while`
        : `writing to the spool failed: ${errorMessage(details.cause)}`
    const what = events === 1 ? 'audit event not recorded' : `${events} audit events not recorded`
    super('SPOOL_FULL', `${what}: ${why}`, { cause: details.cause })
    this.name = 'AuditOverflowError'
    this.reason = reason
    this.events = events
    this.spoolBytes = details.spoolBytes
    this.maxSpoolBytes = details.maxSpoolBytes
  }
}

/** The spool directory is locked by a live process (code SPOOL_LOCKED). */
export class SpoolLockedError extends AuditSdkError {
  readonly ownerPid: number

  constructor(message: string, ownerPid: number) {
    super('SPOOL_LOCKED', message)
    this.name = 'SpoolLockedError'
    this.ownerPid = ownerPid
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
