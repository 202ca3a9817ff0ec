// The background sender: reads the spool in order, forms batches (bounded by count, bytes and
// a short linger), sends up to `concurrency` of them at a time, retries each until it is
// acknowledged, and moves the spool's acknowledgement watermark over every batch that is done.
// When the server refuses a batch naming some of its events (invalid ones, or ones that name
// another tenant than the credential's), those go to the dead-letter file and the rest is sent
// again, so the queue behind them keeps moving; a refusal that names no event is bisected
// until one is named, and an event refused alone without being named is retried: only what
// the server named is ever dead-lettered.

import { errorMessage } from '../errors.js'
import type { SpoolRecord } from '../spool/cursor.js'
import type { Position } from '../spool/position.js'
import type { SpoolReader } from '../spool/reader.js'
import type { Acknowledgement, SendResult, Transport } from '../transport/types.js'
import { backoffDelay } from './backoff.js'
import type { BackoffOptions } from './backoff.js'

export interface SenderOptions {
  batchSize: number
  batchBytes: number
  lingerMs: number
  concurrency: number
  backoff: BackoffOptions
  /** For tests: the jitter's random source. */
  random?: () => number
}

/** What the sender needs of the spool. */
export interface SenderSpool {
  openReader(): SpoolReader
  acknowledge(position: Position): void
  /** Records readable so far (any change means there may be more to read). */
  readonly readable: number
}

export interface SenderHooks {
  acknowledged(records: readonly SpoolRecord[], acks: readonly Acknowledgement[]): void
  /** Must make the record durable elsewhere (the dead-letter file) or throw. */
  deadLetter(record: SpoolRecord, refusal: Extract<SendResult, { kind: 'rejected' }>): void
  retrying(failure: { message: string; status?: number }, delayMs: number): void
  sent(durationMs: number, events: number, outcome: SendResult['kind']): void
  /** The watermark moved. */
  progressed(): void
  /** Whether someone waits for delivery (flush, logSync): then batches do not linger. */
  urgent(): boolean
  /** A bug: delivery threw where it never should. The batch stays unacknowledged. */
  failed(error: unknown): void
}

interface Batch {
  records: SpoolRecord[]
  start: Position
  done: boolean
}

export class Sender {
  readonly #spool: SenderSpool
  readonly #reader: SpoolReader
  readonly #transport: Transport
  readonly #options: SenderOptions
  readonly #hooks: SenderHooks
  readonly #abort = new AbortController()
  /** Batches being formed or delivered, in spool order. */
  readonly #batches: Batch[] = []
  readonly #deliveries = new Set<Promise<void>>()
  /** Where the read in progress started: its records are in no batch yet. */
  #readingFrom: Position | undefined
  /** Resolvers of the loop's waits: for records to read, a free slot, the end of a linger. */
  #onData: (() => void) | undefined
  #onSlot: (() => void) | undefined
  #onUrge: (() => void) | undefined
  #readFailures = 0
  #stopping = false
  #loop: Promise<void> | undefined

  constructor(
    spool: SenderSpool,
    transport: Transport,
    options: SenderOptions,
    hooks: SenderHooks,
  ) {
    this.#spool = spool
    this.#reader = spool.openReader()
    this.#transport = transport
    this.#options = options
    this.#hooks = hooks
  }

  start(): void {
    this.#loop ??= this.#run().catch(this.#hooks.failed)
  }

  /** Records became readable: wake the loop if it waits for some. Cheap: log() may call it. */
  notify(): void {
    const wake = this.#onData
    if (wake === undefined) return
    this.#onData = undefined
    wake()
  }

  /** Someone started waiting for delivery (flush, logSync): end a linger now. */
  urge(): void {
    const wake = this.#onUrge
    this.#onUrge = undefined
    wake?.()
  }

  /** Events in batches being formed or delivered. */
  get inFlight(): number {
    let count = 0
    for (const batch of this.#batches) count += batch.records.length
    return count
  }

  /** When the oldest event not yet acknowledged that the sender holds was logged. */
  get oldestHeldLoggedAt(): number | undefined {
    return this.#batches[0]?.records[0]?.loggedAt
  }

  /**
   * Stops reading and sending; attempts in progress are aborted where the transport can.
   * Records not acknowledged stay in the spool for the next logger on it.
   */
  async stop(): Promise<void> {
    this.#stopping = true
    this.#abort.abort()
    for (const wake of [this.#onData, this.#onSlot, this.#onUrge]) wake?.()
    await this.#loop
    await Promise.allSettled(this.#deliveries)
    await this.#reader.close()
  }

  async #run(): Promise<void> {
    const { batchSize, batchBytes, lingerMs, concurrency } = this.#options
    while (!this.#stopping) {
      if (this.#batches.length >= concurrency) {
        await new Promise<void>((resolve) => (this.#onSlot = resolve))
        continue
      }
      const readable = this.#spool.readable
      const records = await this.#readOrBackOff(batchSize, batchBytes)
      if (records === undefined) continue
      if (records.length === 0) {
        this.#advanceWatermark() // the reader may have moved past damage or a finished segment
        if (this.#spool.readable === readable && !this.#stopping) {
          await new Promise<void>((resolve) => (this.#onData = resolve))
        }
        continue
      }
      const batch: Batch = { records, start: positionOf(records[0] as SpoolRecord), done: false }
      this.#batches.push(batch)
      if (records.length < batchSize && lingerMs > 0 && !this.#hooks.urgent()) {
        await this.#linger(lingerMs)
        const bytes = records.reduce((sum, r) => sum + r.payload.length, 0)
        if (!this.#stopping && bytes < batchBytes) {
          const more = await this.#readOrBackOff(batchSize - records.length, batchBytes - bytes)
          records.push(...(more ?? []))
        }
      }
      if (this.#stopping) break
      const delivery = this.#deliver(records).then((delivered) => {
        this.#deliveries.delete(delivery)
        if (delivered) batch.done = true
        this.#completed()
      }, this.#hooks.failed)
      this.#deliveries.add(delivery)
    }
  }

  /**
   * Reads the next records; if the disk fails the read, reports it, waits a backoff and
   * returns undefined (the records stay where they are, to be read again).
   */
  async #readOrBackOff(maxRecords: number, maxBytes: number): Promise<SpoolRecord[] | undefined> {
    this.#readingFrom = this.#reader.position
    try {
      const records = await this.#reader.read(maxRecords, maxBytes)
      this.#readFailures = 0
      return records
    } catch (error) {
      await this.#reader.reset()
      const delay = backoffDelay(
        this.#readFailures++,
        this.#options.backoff,
        undefined,
        this.#options.random,
      )
      this.#hooks.retrying({ message: `reading the spool failed: ${errorMessage(error)}` }, delay)
      await this.#sleep(delay)
      return undefined
    } finally {
      this.#readingFrom = undefined
    }
  }

  /**
   * Delivers `records` until every one is acknowledged or dead-lettered (true), or the sender
   * stops first (false: they stay unacknowledged in the spool).
   */
  async #deliver(records: SpoolRecord[]): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      const started = performance.now()
      let result: SendResult
      try {
        result = await this.#transport.send(records, this.#abort.signal)
      } catch (error) {
        result = { kind: 'retry', message: `the transport failed: ${errorMessage(error)}` }
      }
      this.#hooks.sent(performance.now() - started, records.length, result.kind)
      if (result.kind === 'acknowledged') {
        this.#hooks.acknowledged(records, result.acks)
        return true
      }
      if (result.kind === 'rejected' && result.invalid !== undefined && result.invalid.length > 0) {
        // Nothing was committed. The events named go to the dead-letter file; the rest is sent
        // again without them.
        const { rest, failure } = this.#deadLetterNamed(records, result)
        if (failure === undefined) return rest.length === 0 || this.#deliver(rest)
        records = rest
        result = { kind: 'retry', message: `cannot write the dead-letter file: ${failure}` }
      } else if (result.kind === 'rejected' && records.length > 1) {
        // Nothing was committed and no event was named: halve until one is, keeping the order.
        const half = Math.ceil(records.length / 2)
        return (
          (await this.#deliver(records.slice(0, half))) &&
          (await this.#deliver(records.slice(half)))
        )
      } else if (result.kind === 'rejected') {
        // Refused alone, yet not named invalid (a proxy's 400, a body limit below the event's
        // size): a configuration problem, not the event's. It waits in the spool, reported.
        result = {
          kind: 'retry',
          status: result.status,
          message: `event ${(records[0] as SpoolRecord).id} was refused without being named invalid (${result.message}); it stays spooled and is retried, and the events after it wait`,
        }
      }
      if (this.#stopping) return false
      const delay = backoffDelay(
        attempt,
        this.#options.backoff,
        result.retryAfterMs,
        this.#options.random,
      )
      this.#hooks.retrying(result, delay)
      if (!(await this.#sleep(delay))) return false
    }
  }

  /**
   * Dead-letters the records a refusal names; returns the others, in order, and why writing
   * the dead-letter file failed, if it did (the record it failed on is among the others).
   */
  #deadLetterNamed(
    records: SpoolRecord[],
    refusal: Extract<SendResult, { kind: 'rejected' }>,
  ): { rest: SpoolRecord[]; failure: string | undefined } {
    const named = new Map((refusal.invalid ?? []).map((event) => [event.index, event]))
    const rest: SpoolRecord[] = []
    let failure: string | undefined
    records.forEach((record, index) => {
      const event = named.get(index)
      if (event === undefined || failure !== undefined) {
        rest.push(record)
        return
      }
      try {
        this.#hooks.deadLetter(record, {
          kind: 'rejected',
          status: refusal.status,
          message: event.message,
          details: event.details,
        })
      } catch (error) {
        failure = errorMessage(error)
        rest.push(record)
      }
    })
    return { rest, failure }
  }

  #completed(): void {
    while (this.#batches[0]?.done) this.#batches.shift()
    this.#advanceWatermark()
    const wake = this.#onSlot
    this.#onSlot = undefined
    wake?.()
  }

  /** Everything before the first record the sender still holds (or has yet to read) is done. */
  #advanceWatermark(): void {
    const first = this.#batches[0]?.start ?? this.#readingFrom ?? this.#reader.position
    this.#spool.acknowledge(first)
    this.#hooks.progressed()
  }

  /** Gives a small batch `ms` to grow, unless someone urges or the sender stops. */
  #linger(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.#onUrge = undefined
        resolve()
      }
      const timer = setTimeout(done, ms)
      timer.unref()
      this.#onUrge = done
    })
  }

  /**
   * Waits `ms` (a backoff); false if the sender stopped meanwhile. Unreferenced: a sender
   * waiting out an outage does not keep the process alive.
   */
  #sleep(ms: number): Promise<boolean> {
    if (this.#stopping) return Promise.resolve(false)
    return new Promise((resolve) => {
      const signal = this.#abort.signal
      const onAbort = () => {
        clearTimeout(timer)
        resolve(false)
      }
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort)
        resolve(!this.#stopping)
      }, ms)
      timer.unref()
      signal.addEventListener('abort', onAbort, { once: true })
    })
  }
}

function positionOf(record: SpoolRecord): Position {
  return { segment: record.segment, offset: record.offset }
}
