// The gateway's audit sink when the server hosts the sealer: the SDK's logger with its
// in-process transport. log() spools the event durably (group commit) and returns; the SDK's
// sender seals batches into the log, retries through outages and dead-letters what the log
// refuses for good. What the log cannot take at a shutdown stays in the spool, and the next
// `auditseal serve` on the same data directory seals it.

import type { AuditEvent } from '@auditseal/core'
import { createAuditLogger, createInProcessTransport } from '@auditseal/sdk'
import type { AuditLogger, LogSink, SealFunction } from '@auditseal/sdk'
import { isPermanentSealError } from './permanent.js'
import type { AuditSink, AuditSinkStats } from './sink.js'

export interface DurableSinkOptions {
  /** The spool's directory (one process at a time: the SDK locks it). */
  spoolDir: string
  /** Where delivery problems are reported (rate-limited by the SDK). */
  logger: LogSink
  /** Seals one tenant's batch, all or nothing: `log.sealer.seal`. */
  seal: SealFunction
  /** How long a batch gathers events before it is sealed (default 200 ms). */
  lingerMs?: number
  /** How long close() waits for the log to take what is spooled (default 10 s). */
  closeTimeoutMs?: number
}

/** At most one report of invalid events per this many ms (a buggy route could flood the log). */
const INVALID_REPORT_MS = 60_000

export class DurableSink implements AuditSink {
  readonly #logger: AuditLogger
  readonly #report: LogSink
  #invalidReportedAt = Number.NEGATIVE_INFINITY
  /** Invalid events not reported yet, and the latest's type and reason. */
  #invalidUnreported = 0
  #invalidLatest = ''
  #invalidTimer: NodeJS.Timeout | undefined
  readonly #closeTimeoutMs: number
  #closed = false
  #invalid = 0
  #refusedClosed = 0

  constructor(options: DurableSinkOptions) {
    this.#closeTimeoutMs = options.closeTimeoutMs ?? 10_000
    this.#report = options.logger
    this.#logger = createAuditLogger({
      // Values the database refuses for good are dead-lettered, not retried forever.
      transport: createInProcessTransport(options.seal, { isRejection: isPermanentSealError }),
      spoolDir: options.spoolDir,
      logger: options.logger,
      // A seal costs about as much for one event as for a hundred, and on PGlite it runs on
      // the thread that serves the requests: batches gather for a while, one at a time.
      lingerMs: options.lingerMs ?? 200,
      concurrency: 1,
      // Problems are counted in stats() and reported through the log sink; an 'error' event
      // without a listener would throw.
    }).on('error', () => {})
  }

  log(event: AuditEvent): void {
    if (this.#closed) {
      this.#refusedClosed++
      return
    }
    try {
      this.#logger.log(event)
    } catch (error) {
      // Only an invalid envelope gets here (delivery problems never throw): a producer bug,
      // which the gateway's own tests catch; counted in stats().invalid, and reported — an
      // action whose event is refused goes unaudited.
      this.#invalid++
      this.#invalidUnreported++
      this.#invalidLatest = `${String(event.type)}: ${(error as Error).message}`
      const wait = this.#invalidReportedAt + INVALID_REPORT_MS - Date.now()
      if (wait <= 0) this.#reportInvalid()
      else {
        // The rest of a burst is reported when the minute is over, not only with the next one.
        this.#invalidTimer ??= setTimeout(() => this.#reportInvalid(), wait).unref()
      }
    }
  }

  #reportInvalid(): void {
    clearTimeout(this.#invalidTimer)
    this.#invalidTimer = undefined
    if (this.#invalidUnreported === 0) return
    this.#report.error(
      `audit: ${this.#invalidUnreported} event(s) refused as invalid and not sealed (the latest ${this.#invalidLatest})`,
    )
    this.#invalidReportedAt = Date.now()
    this.#invalidUnreported = 0
  }

  flush(): Promise<void> {
    return this.#logger.flush()
  }

  /**
   * Refuses new events, waits up to closeTimeoutMs for the log to take what is spooled, and
   * releases the spool. Events the log could not take stay spooled for the next start:
   * nothing is lost, so this does not reject for them.
   */
  async close(): Promise<void> {
    this.#closed = true
    this.#reportInvalid() // what the last minute held back
    await this.#logger.close({ timeoutMs: this.#closeTimeoutMs })
  }

  stats(): AuditSinkStats {
    const s = this.#logger.stats()
    return {
      pending: s.spooled,
      sealed: s.acknowledged,
      retries: s.retries,
      overflowed: s.overflowed,
      invalid: this.#invalid,
      rejected: s.deadLettered,
      refusedClosed: this.#refusedClosed,
    }
  }
}
