// The audit logger: log() validates an event and appends it to the durable spool, then
// returns; a background sender delivers the spool's records and retries until each is
// acknowledged. Everything that goes wrong after log() returned is counted in stats(),
// emitted as an event, and written to the log sink — never thrown at the producer.

import { EventEmitter } from 'node:events'
import { join } from 'node:path'
import { createEventPreparer } from './event.js'
import type { AuditEventInput, PreparedEvent } from './event.js'
import { AuditOverflowError, AuditSdkError, errorMessage } from './errors.js'
import { LatencyWindow } from './metrics/latency.js'
import type { LatencySummary } from './metrics/latency.js'
import { resolveOptions } from './options.js'
import type { AuditLoggerOptions, ResolvedOptions } from './options.js'
import { Reporter } from './report.js'
import { Sender } from './sender/sender.js'
import type { CorruptRegion, SpoolRecord } from './spool/cursor.js'
import { appendDeadLetter, DEAD_LETTER_FILE } from './spool/dead-letter.js'
import { FRAME_HEADER_BYTES } from './spool/frame.js'
import { comparePositions } from './spool/position.js'
import { Spool } from './spool/spool.js'
import { createHttpTransport } from './transport/http.js'
import type { Acknowledgement, Transport } from './transport/types.js'
import { FlushWaiters, SealWaiters } from './waiters.js'
import type { SealReceipt } from './waiters.js'

export interface AuditLoggerStats {
  /** Events in the spool not yet acknowledged (the queue's depth), in flight included. */
  spooled: number
  /** Events in batches being formed or sent right now. */
  inFlight: number
  /** Events acknowledged by the server in this session (`created` or `duplicate`). */
  acknowledged: number
  /** Of those, acknowledged as `duplicate` (already sealed: a resend after a crash or timeout). */
  duplicates: number
  /** Failed delivery attempts that were (or will be) retried. */
  retries: number
  /** Age of the oldest event not yet acknowledged, in ms (0 when there is none). */
  oldestUnackedMs: number
  /** Events log() could not spool (spool full, or the disk refused the write). */
  overflowed: number
  /** Events the server refused for good, moved to the dead-letter file. */
  deadLettered: number
  /** Damaged regions of the spool skipped (torn or corrupt records), and their bytes. */
  corrupt: number
  corruptBytes: number
  /** Unacknowledged events found in the spool at start-up (left by an earlier process). */
  recovered: number
  /** Bytes the spool takes on disk (what maxSpoolBytes limits). */
  spoolBytes: number
  /** Events logged in this session, and of those, the ones on stable storage (fsynced). */
  logged: number
  synced: number
  /** Duration of recent delivery requests. */
  sendLatencyMs: LatencySummary
  /** The last delivery problem, if any since the last acknowledgement. */
  lastError: string | undefined
}

/** A record the server refused for good, as the `dead-letter` event reports it. */
export interface DeadLetterInfo {
  id: string
  status: number | undefined
  message: string
  /** The dead-letter file the event was appended to. */
  file: string
}

export interface AuditLoggerEvents {
  /** log() could not spool an event (see the overflow policy). */
  overflow: [error: AuditOverflowError]
  /** An event was refused for good and moved to the dead-letter file. */
  'dead-letter': [info: DeadLetterInfo]
  /** A delivery attempt failed (it is retried), or a background file operation failed. Only emitted when listened to. */
  error: [error: AuditSdkError]
  /** The first `synced` events logged in this session are on stable storage. */
  sync: [info: { synced: number }]
  /** One delivery request ended. */
  sent: [
    info: { durationMs: number; events: number; outcome: 'acknowledged' | 'rejected' | 'retry' },
  ]
  /** The spool left by an earlier process was scanned; its events are being resent. */
  recovered: [info: { events: number }]
  /** A damaged region of the spool was skipped. */
  corrupt: [region: CorruptRegion]
}

export class AuditLogger extends EventEmitter<AuditLoggerEvents> {
  /** Settles when the spool left by an earlier process has been scanned and sending has begun. */
  readonly ready: Promise<void>
  readonly #options: ResolvedOptions
  readonly #transport: Transport
  readonly #spool: Spool
  readonly #sender: Sender
  readonly #prepare: (input: unknown) => PreparedEvent
  readonly #report: Reporter
  readonly #sealWaiters = new SealWaiters()
  readonly #flushWaiters = new FlushWaiters()
  readonly #latency = new LatencyWindow()
  #closing: Promise<void> | undefined
  #closed = false
  readonly #counts = {
    acknowledged: 0,
    duplicates: 0,
    retries: 0,
    overflowed: 0,
    deadLettered: 0,
    corrupt: 0,
    corruptBytes: 0,
    recovered: 0,
  }
  #lastError: string | undefined

  constructor(options: AuditLoggerOptions) {
    super()
    const resolved = resolveOptions(options)
    this.#options = resolved
    this.#report = new Reporter(resolved.logger)
    this.#transport =
      resolved.transport ??
      createHttpTransport({
        url: resolved.url as string,
        credential: resolved.credential as NonNullable<ResolvedOptions['credential']>,
        requestTimeoutMs: resolved.requestTimeoutMs,
        maxSockets: resolved.concurrency,
        tenantId: resolved.tenantId,
      })
    this.#prepare = createEventPreparer({
      tenantId: resolved.tenantId,
      requireTenant: this.#transport.requiresTenant,
    })
    this.#spool = Spool.open({
      dir: resolved.spoolDir,
      durability: resolved.durability,
      syncIntervalMs: resolved.syncIntervalMs,
      segmentBytes: resolved.segmentBytes,
      onSync: (synced) => this.#emit('sync', { synced }),
      onReadable: () => this.#sender.notify(),
      onCorrupt: (region) => this.#corrupt(region),
      onError: (error, what) => this.#problem('spool', `${what}: ${errorMessage(error)}`, error),
      onLost: (records, error) => this.#lost(records, error),
    })
    this.#sender = new Sender(
      this.#spool,
      this.#transport,
      {
        batchSize: resolved.batchSize,
        batchBytes: resolved.batchBytes,
        lingerMs: resolved.lingerMs,
        concurrency: resolved.concurrency,
        backoff: resolved.retry,
      },
      {
        acknowledged: (records, acks) => this.#acknowledged(records, acks),
        deadLetter: (record, refusal) => this.#deadLetter(record, refusal),
        retrying: (failure, delayMs) => this.#retrying(failure, delayMs),
        sent: (durationMs, events, outcome) => {
          this.#latency.record(durationMs)
          this.#emit('sent', { durationMs, events, outcome })
        },
        progressed: () => this.#flushWaiters.progressed(this.#spool.watermark),
        urgent: () => this.#sealWaiters.size > 0 || this.#flushWaiters.size > 0,
        failed: (error) =>
          this.#problem(
            'bug',
            `delivery stopped by an unexpected error: ${errorMessage(error)}`,
            error,
          ),
      },
    )
    this.ready = this.#spool.recovered.then(
      ({ records }) => {
        this.#counts.recovered = records
        if (records > 0) this.#emit('recovered', { events: records })
        if (!this.#closed) this.#sender.start()
      },
      (error: unknown) => {
        // Unreadable recovered segments: still deliver what this session logs.
        this.#problem('spool', `scanning the spool failed: ${errorMessage(error)}`, error)
        if (!this.#closed) this.#sender.start()
      },
    )
  }

  /**
   * Validates `event`, fills in `v`, `id` and `occurred_at` if absent, and appends it to the
   * spool; returns once the spool has it: in memory for the next group commit (`group`, the
   * default), in the OS (`process`), or on the disk (`strict`). Throws the
   * core's InvalidEventError for an invalid event, AuditOverflowError when the spool cannot
   * take it under the `throw` policy (an overflow means the event is not recorded), and
   * LOGGER_CLOSED once close() stopped taking events; never for delivery problems.
   */
  log(event: AuditEventInput): void {
    this.#append(event, this.#options.overflow === 'throw')
  }

  /**
   * log(), then waits for the event's seal: resolves its acknowledgement `{id, seq, leaf_hash,
   * status}`. Rejects with InvalidEventError, AuditOverflowError (whatever the policy), an
   * AuditSdkError EVENT_REJECTED when the server refuses it for good, or TIMEOUT after
   * `timeoutMs` (default logSyncTimeoutMs) — then the event stays spooled and is still delivered.
   */
  async logSync(
    event: AuditEventInput,
    options: { timeoutMs?: number } = {},
  ): Promise<SealReceipt> {
    const id = this.#append(event, true) as string
    const timeoutMs = options.timeoutMs ?? this.#options.logSyncTimeoutMs
    const sealed = this.#sealWaiters.wait(
      id,
      timeoutMs,
      () =>
        new AuditSdkError(
          'TIMEOUT',
          `event ${id} was not sealed within ${timeoutMs} ms (${this.#lastError ?? 'no answer yet'}); it stays in the spool and will still be delivered`,
        ),
    )
    this.#spool.expedite()
    this.#sender.urge()
    return sealed
  }

  /**
   * Resolves when every event logged before the call is acknowledged (or dead-lettered).
   * With `timeoutMs`, rejects with TIMEOUT after that long; the events stay spooled. Rejects
   * with LOGGER_CLOSED after close().
   */
  async flush(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.#closed) throw this.#closedError()
    const target = this.#spool.writePosition
    if (comparePositions(this.#spool.watermark, target) >= 0) return
    const done = this.#flushWaiters.wait(
      target,
      options.timeoutMs,
      () =>
        new AuditSdkError(
          'TIMEOUT',
          `flush: ${this.stats().spooled} events not acknowledged after ${options.timeoutMs} ms (${this.#lastError ?? 'no answer yet'}); they stay in the spool and will still be delivered`,
        ),
    )
    this.#spool.expedite()
    this.#sender.urge()
    return done
  }

  /**
   * Flushes (for at most `timeoutMs`, default closeTimeoutMs), then stops the sender (giving
   * up on requests and seals in flight) and releases the spool's files, timers and lock.
   * Events not acknowledged by then stay in the spool: the next logger on it sends them.
   * log() keeps working until the spool takes its last records. Rejects with an AuditSdkError
   * SPOOL_IO if those cannot be written (a full disk): they stay in memory, written at process
   * exit (counted as overflowed if the disk refuses even then), the spool stays locked, and
   * close() again tries again.
   */
  close(options: { timeoutMs?: number } = {}): Promise<void> {
    this.#closing ??= this.#close(options.timeoutMs ?? this.#options.closeTimeoutMs).catch(
      (error: unknown) => {
        // E.g. the disk refused the last buffered records: they stay in memory (written at
        // process exit) and the spool stays locked; close() again tries again.
        this.#closing = undefined
        throw error
      },
    )
    return this.#closing
  }

  stats(): AuditLoggerStats {
    const c = this.#counts
    const spooled = Math.max(
      0,
      c.recovered + this.#spool.appended - c.acknowledged - c.deadLettered,
    )
    return {
      spooled,
      inFlight: this.#sender.inFlight,
      acknowledged: c.acknowledged,
      duplicates: c.duplicates,
      retries: c.retries,
      oldestUnackedMs: spooled === 0 ? 0 : this.#oldestUnackedMs(),
      overflowed: c.overflowed,
      deadLettered: c.deadLettered,
      corrupt: c.corrupt,
      corruptBytes: c.corruptBytes,
      recovered: c.recovered,
      spoolBytes: this.#closed ? 0 : this.#spool.bytes,
      logged: this.#spool.appended,
      synced: this.#spool.synced,
      sendLatencyMs: this.#latency.summary(),
      lastError: this.#lastError,
    }
  }

  /** Spools one event; returns its id, or undefined if it was dropped (drop-newest). */
  #append(input: AuditEventInput, throwOnOverflow: boolean): string | undefined {
    // The spool stops taking records when close() begins its last commit, a little before
    // the logger counts as closed.
    if (this.#closed || this.#spool.closed) throw this.#closedError()
    const event = this.#prepare(input)
    const spoolBytes = this.#spool.bytes
    if (
      spoolBytes + FRAME_HEADER_BYTES + event.json.length - event.dropTail >
      this.#options.maxSpoolBytes
    ) {
      return this.#overflow(
        new AuditOverflowError('full', this.#limits(spoolBytes)),
        throwOnOverflow,
      )
    }
    try {
      this.#spool.append(event.id, event.json, Date.now(), event.dropTail)
    } catch (cause) {
      const error = new AuditOverflowError('io', { ...this.#limits(spoolBytes), cause })
      return this.#overflow(error, throwOnOverflow)
    }
    return event.id
  }

  #closedError(): AuditSdkError {
    return new AuditSdkError(
      'LOGGER_CLOSED',
      'the audit logger is closed: events can no longer be logged or flushed',
    )
  }

  #limits(spoolBytes: number): { spoolBytes: number; maxSpoolBytes: number } {
    return { spoolBytes, maxSpoolBytes: this.#options.maxSpoolBytes }
  }

  #overflow(error: AuditOverflowError, throwIt: boolean): undefined {
    this.#counts.overflowed++
    this.#emit('overflow', error)
    this.#report.error(
      `overflow-${error.reason}`,
      `${error.message}; ${this.#counts.overflowed} event(s) not recorded so far`,
    )
    if (throwIt) throw error
    return undefined
  }

  /**
   * The process exits and the disk refused the `group` mode records still buffered: they are
   * lost. Counted and reported like any event the disk refuses, in one overflow.
   */
  #lost(records: number, cause: unknown): void {
    const limits = this.#limits(this.#spool.bytes)
    const error = new AuditOverflowError('io', { ...limits, cause, events: records })
    this.#counts.overflowed += records
    this.#emit('overflow', error)
    // Its own kind, not rate-limited behind earlier overflows: it is the logger's last word.
    this.#report.error(
      'lost-at-exit',
      `${error.message}; the process exited with them buffered for the group commit (${this.#counts.overflowed} event(s) not recorded in all)`,
    )
  }

  #acknowledged(records: readonly SpoolRecord[], acks: readonly Acknowledgement[]): void {
    this.#counts.acknowledged += records.length
    for (const ack of acks) if (ack.status === 'duplicate') this.#counts.duplicates++
    this.#lastError = undefined
    this.#sealWaiters.acknowledged(acks)
  }

  #deadLetter(
    record: SpoolRecord,
    refusal: { status?: number; message: string; details?: unknown },
  ): void {
    appendDeadLetter(this.#spool.dir, {
      id: record.id,
      reason: { status: refusal.status, message: refusal.message, details: refusal.details },
      payload: record.payload,
    })
    this.#counts.deadLettered++
    const file = join(this.#spool.dir, DEAD_LETTER_FILE)
    const message = `the server refused event ${record.id} for good (${refusal.message}); it was moved to ${file}`
    const error = new AuditSdkError('EVENT_REJECTED', message)
    this.#sealWaiters.reject(record.id, error)
    this.#emit('dead-letter', {
      id: record.id,
      status: refusal.status,
      message: refusal.message,
      file,
    })
    this.#problem('dead-letter', message, undefined, error)
  }

  #retrying(failure: { message: string; status?: number }, delayMs: number): void {
    this.#counts.retries++
    this.#lastError = failure.message
    const message = `delivery to ${this.#transport.name} failed (${failure.message}); retrying in ${delayMs} ms with ${this.stats().spooled} event(s) spooled`
    this.#problem('delivery', message, undefined, new AuditSdkError('DELIVERY_FAILED', message))
  }

  #corrupt(region: CorruptRegion): void {
    this.#counts.corrupt++
    this.#counts.corruptBytes += region.bytes
    this.#emit('corrupt', region)
    this.#report.warn(
      'corrupt',
      `skipped ${region.bytes} damaged byte(s) at offset ${region.offset} of spool segment ${region.segment} in ${this.#spool.dir} (a record torn by a crash, or disk corruption)`,
    )
  }

  /** Reports a problem: an `error` event if anyone listens, the log sink (rate-limited) anyway. */
  #problem(kind: string, message: string, cause?: unknown, error?: AuditSdkError): void {
    this.#report.error(kind, message)
    if (this.listenerCount('error') > 0) {
      this.#emit('error', error ?? new AuditSdkError('SPOOL_IO', message, { cause }))
    }
  }

  #oldestUnackedMs(): number {
    const at =
      this.#spool.loggedAtOf(this.#spool.watermark) ?? this.#sender.oldestHeldLoggedAt ?? Date.now()
    return Math.max(0, Date.now() - at)
  }

  /** Emits without letting a listener's exception escape into log() or the sender. */
  #emit<K extends keyof AuditLoggerEvents>(name: K, ...args: AuditLoggerEvents[K]): void {
    if (this.listenerCount(name) === 0) return
    try {
      ;(this.emit as (name: K, ...args: AuditLoggerEvents[K]) => boolean)(name, ...args)
    } catch (error) {
      this.#report.error(
        'listener',
        `a listener of '${String(name)}' threw: ${errorMessage(error)}`,
      )
    }
  }

  async #close(timeoutMs: number): Promise<void> {
    try {
      if (!this.#closed) await this.flush({ timeoutMs }) // closed: this is close() again
    } catch {
      this.#report.warn(
        'close',
        `closing with ${this.stats().spooled} event(s) not acknowledged (${this.#lastError ?? 'no answer'}); they stay in ${this.#spool.dir} and the next logger on it sends them`,
      )
    }
    await this.#sender.stop()
    try {
      await this.#spool.close()
    } finally {
      this.#closed = true
      const closed = (what: string) =>
        new AuditSdkError(
          'LOGGER_CLOSED',
          `the logger was closed before ${what}; it stays in the spool and the next logger on it delivers it`,
        )
      this.#sealWaiters.rejectAll((id) => closed(`event ${id} was sealed`))
      this.#flushWaiters.rejectAll(closed('the flush completed'))
      await this.#transport.close?.()
    }
  }
}

/** Opens the spool (taking its lock) and starts delivering; see AuditLoggerOptions. */
export function createAuditLogger(options: AuditLoggerOptions): AuditLogger {
  return new AuditLogger(options)
}
