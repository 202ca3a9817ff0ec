// The in-process audit queue between producers (the device gateway, the auth auditor) and the
// sealer. log() validates and appends to the tenant's FIFO and returns; a background loop
// seals each tenant's events in batches, one batch per tenant at a time so each tenant's
// events keep their order, up to `concurrency` tenants at once. A failed seal is retried with
// backoff, forever: events are never dropped on a delivery problem. Memory is bounded by
// `maxPending`; past it new events are refused and counted (see overflow.ts).
//
// When a batch goes: at once when it is full (`maxBatch`); otherwise once its oldest event
// has waited `maxDelayMs` AND the tenant's last seal is far enough behind that sealing takes
// at most `maxSealShare` of the time (after a seal of T ms, a partial batch waits
// T × (1/share − 1), at most `maxLingerMs`). A seal costs about the same for 1 event as for
// 50, so under load this grows batches until sealing is a small share of the work, on any
// engine: on PGlite, where a seal takes ~15 ms of the one thread that also serves requests,
// batches linger longer than on PostgreSQL, where a seal takes a few ms.

import type { AuditEvent } from '@auditseal/core'
import { InvalidEventError, validateEvent } from '@auditseal/core'
import { backoffMs } from './backoff.js'
import { DropLedger } from './overflow.js'
import { isPermanentSealError } from './permanent.js'
import type { AuditSink, AuditSinkStats } from './sink.js'

/** What the queue needs of the sealer: `log.sealer.seal`. */
export type SealFunction = (tenantId: string, events: AuditEvent[]) => Promise<unknown>

export interface AuditQueueErrorContext {
  /**
   * retry: the batch failed and will be retried in `retryInMs`; rejected: the database refused
   * this one event for good (it is attached); invalid: the producer logged a malformed event;
   * overflow: the first refusal of a queue-full episode for this tenant.
   */
  kind: 'retry' | 'rejected' | 'invalid' | 'overflow'
  tenantId: string
  events: number
  attempt?: number
  retryInMs?: number
  event?: AuditEvent
}

export interface AuditQueueOptions {
  seal: SealFunction
  /** Most events per seal (default 500). */
  maxBatch?: number
  /** Longest an event waits for companions before its batch goes (default 5 ms). */
  maxDelayMs?: number
  /** Most events held in memory (default 100,000); past it new events are refused. */
  maxPending?: number
  /** Tenants sealed at the same time (default 4). */
  concurrency?: number
  /** Most of the time one tenant's partial batches may keep the sealer busy (default 0.05). */
  maxSealShare?: number
  /** Longest a partial batch lingers to keep to maxSealShare (default 1000 ms). */
  maxLingerMs?: number
  /** First retry delay (default 50 ms), doubling up to retryMaxMs (default 5 s). */
  retryInitialMs?: number
  retryMaxMs?: number
  /** How long close() keeps trying to seal what is queued (default 30 s). */
  closeTimeoutMs?: number
  /** Told about every failure; must not throw (what it throws is ignored). */
  onError?: (error: unknown, context: AuditQueueErrorContext) => void
  now?: () => number
}

export class AuditQueueError extends Error {
  readonly code = 'AUDIT_EVENTS_UNSEALED'

  constructor(message: string) {
    super(message)
    this.name = 'AuditQueueError'
  }
}

interface Entry {
  event: AuditEvent
  /** Global arrival number: flush() waits for the tickets handed out before it. */
  ticket: number
  queuedAt: number
}

interface TenantQueue {
  /** FIFO; the first `sealing` entries are the batch in flight. */
  entries: Entry[]
  sealing: number
  /** Failed attempts of the batch at the front; 0 when the last attempt worked. */
  attempt: number
  retryAt: number
  /** Seal this many events one at a time, to find the one the database refuses. */
  singles: number
  /** No partial batch before this time (see maxSealShare). */
  lingerUntil: number
}

interface FlushWaiter {
  /** Per tenant, the last ticket that must be settled. */
  targets: Map<string, number>
  resolve: () => void
}

export class AuditQueue implements AuditSink {
  private readonly seal: SealFunction
  private readonly maxBatch: number
  private readonly maxDelayMs: number
  private readonly maxPending: number
  private readonly concurrency: number
  private readonly lingerFactor: number
  private readonly maxLingerMs: number
  private readonly retryInitialMs: number
  private readonly retryMaxMs: number
  private readonly closeTimeoutMs: number
  private readonly onError: NonNullable<AuditQueueOptions['onError']>
  private readonly now: () => number

  private readonly queues = new Map<string, TenantQueue>()
  private readonly drops = new DropLedger()
  private readonly waiters = new Set<FlushWaiter>()
  private readonly counts: Omit<AuditSinkStats, 'pending'> = {
    sealed: 0,
    retries: 0,
    overflowed: 0,
    invalid: 0,
    rejected: 0,
    refusedClosed: 0,
  }
  private pending = 0
  private tickets = 0
  private inFlight = 0
  /** > 0 while someone waits in flush(): batches go without waiting for companions. */
  private flushing = 0
  private timer: NodeJS.Timeout | undefined
  private timerAt = Infinity
  private closed = false
  private stopped = false
  private closing: Promise<void> | undefined

  constructor(options: AuditQueueOptions) {
    this.seal = options.seal
    this.maxBatch = options.maxBatch ?? 500
    this.maxDelayMs = options.maxDelayMs ?? 5
    this.maxPending = options.maxPending ?? 100_000
    this.concurrency = options.concurrency ?? 4
    const share = options.maxSealShare ?? 0.05
    this.lingerFactor = share >= 1 ? 0 : (1 - share) / share
    this.maxLingerMs = options.maxLingerMs ?? 1000
    this.retryInitialMs = options.retryInitialMs ?? 50
    this.retryMaxMs = options.retryMaxMs ?? 5_000
    this.closeTimeoutMs = options.closeTimeoutMs ?? 30_000
    const onError = options.onError ?? (() => {})
    this.onError = (error, context) => {
      try {
        onError(error, context)
      } catch {
        // a failing reporter must not break delivery
      }
    }
    this.now = options.now ?? Date.now
  }

  log(event: AuditEvent): void {
    try {
      if (this.closed) {
        this.counts.refusedClosed++
        return
      }
      const result = validateEvent(event)
      if (!result.ok) {
        this.counts.invalid++
        const tenantId = typeof event?.tenant_id === 'string' ? event.tenant_id : ''
        this.onError(new InvalidEventError(result.issues), {
          kind: 'invalid',
          tenantId,
          events: 1,
          event,
        })
        return
      }
      if (this.pending >= this.maxPending) {
        this.counts.overflowed++
        if (this.drops.record(event.tenant_id, this.now())) {
          this.onError(new AuditQueueError(`the audit queue is full (${this.maxPending} events)`), {
            kind: 'overflow',
            tenantId: event.tenant_id,
            events: 1,
          })
        }
        return
      }
      this.enqueue(event)
    } catch (error) {
      // log() never throws: whatever went wrong is reported, not raised into a request.
      this.onError(error, { kind: 'invalid', tenantId: '', events: 1 })
    }
  }

  flush(): Promise<void> {
    const targets = new Map<string, number>()
    for (const [tenantId, queue] of this.queues) {
      const last = queue.entries[queue.entries.length - 1]
      if (last) targets.set(tenantId, last.ticket)
    }
    if (targets.size === 0) return Promise.resolve()
    if (this.stopped) {
      return Promise.reject(
        new AuditQueueError(`the queue is stopped with ${this.pending} unsealed`),
      )
    }
    return new Promise((resolve) => {
      this.flushing++
      this.waiters.add({
        targets,
        resolve: () => {
          this.flushing--
          resolve()
        },
      })
      this.wakeAt(this.now())
    })
  }

  close(): Promise<void> {
    if (!this.closing) {
      this.closed = true
      this.closing = this.drain()
    }
    return this.closing
  }

  stats(): AuditSinkStats {
    return { pending: this.pending, ...this.counts }
  }

  private async drain(): Promise<void> {
    this.reportDrops(true)
    let timeout: NodeJS.Timeout | undefined
    const timedOut = new Promise<'timeout'>((resolve) => {
      timeout = setTimeout(() => resolve('timeout'), this.closeTimeoutMs)
    })
    const result = await Promise.race([this.flush().then(() => 'done' as const), timedOut])
    clearTimeout(timeout)
    this.stopped = true
    this.clearTimer()
    if (result === 'timeout') {
      throw new AuditQueueError(
        `${this.pending} audit event(s) could not be sealed within ${this.closeTimeoutMs} ms ` +
          'of shutdown and are lost (the queue is in memory)',
      )
    }
  }

  private enqueue(event: AuditEvent): void {
    const now = this.now()
    let queue = this.queues.get(event.tenant_id)
    if (!queue) {
      queue = { entries: [], sealing: 0, attempt: 0, retryAt: 0, singles: 0, lingerUntil: 0 }
      this.queues.set(event.tenant_id, queue)
    }
    queue.entries.push({ event, ticket: ++this.tickets, queuedAt: now })
    this.pending++
    // Only the first event of a batch and a full batch change when the loop must run.
    if (queue.entries.length === queue.sealing + 1) {
      this.wakeAt(Math.max(now + this.maxDelayMs, queue.lingerUntil))
    } else if (queue.entries.length - queue.sealing >= this.maxBatch) this.wakeAt(now)
  }

  /** Starts every batch that is due, and sets the timer for the next one. */
  private pump(): void {
    if (this.stopped) return
    const now = this.now()
    let next = Infinity
    for (const [tenantId, queue] of [...this.queues]) {
      if (queue.sealing > 0) continue
      if (queue.entries.length === 0) {
        // Kept while it lingers, so that its next event waits too; forgotten after.
        if (queue.lingerUntil <= now) this.queues.delete(tenantId)
        continue
      }
      if (queue.retryAt > now) {
        next = Math.min(next, queue.retryAt)
        continue
      }
      const dueAt = Math.max(
        (queue.entries[0] as Entry).queuedAt + this.maxDelayMs,
        queue.lingerUntil,
      )
      const due =
        this.flushing > 0 || this.closed || queue.entries.length >= this.maxBatch || dueAt <= now
      if (!due) {
        next = Math.min(next, dueAt)
        continue
      }
      if (this.inFlight >= this.concurrency) return // a finishing batch pumps again
      // To the back of the line, so the other tenants get their turn first next time.
      this.queues.delete(tenantId)
      this.queues.set(tenantId, queue)
      this.startBatch(tenantId, queue)
    }
    if (next < Infinity) this.wakeAt(next)
  }

  private startBatch(tenantId: string, queue: TenantQueue): void {
    const size = queue.singles > 0 ? 1 : Math.min(this.maxBatch, queue.entries.length)
    const batch = queue.entries.slice(0, size)
    queue.sealing = size
    this.inFlight++
    const started = this.now()
    Promise.resolve()
      .then(() =>
        this.seal(
          tenantId,
          batch.map((entry) => entry.event),
        ),
      )
      .then(
        () => this.settle(tenantId, queue, size, 'sealed'),
        (error: unknown) => this.failed(tenantId, queue, batch, error),
      )
      .finally(() => {
        // Isolating a refused event goes one by one, without lingering in between.
        const ended = this.now()
        const linger = Math.min(this.maxLingerMs, (ended - started) * this.lingerFactor)
        queue.lingerUntil = queue.singles > 0 ? 0 : ended + linger
        this.inFlight--
        this.reportDrops(false)
        this.pump()
      })
  }

  private failed(tenantId: string, queue: TenantQueue, batch: Entry[], error: unknown): void {
    queue.sealing = 0
    if (isPermanentSealError(error)) {
      if (batch.length > 1) {
        // One of them is unacceptable: seal these one by one so only that one is refused.
        queue.singles = batch.length
        return
      }
      this.onError(error, { kind: 'rejected', tenantId, events: 1, event: batch[0]?.event })
      this.settle(tenantId, queue, 1, 'rejected')
      return
    }
    queue.attempt++
    const wait = backoffMs(queue.attempt, this.retryInitialMs, this.retryMaxMs)
    queue.retryAt = this.now() + wait
    this.counts.retries++
    this.onError(error, {
      kind: 'retry',
      tenantId,
      events: batch.length,
      attempt: queue.attempt,
      retryInMs: wait,
    })
  }

  /** The first `count` entries are done with (sealed, or refused for good). */
  private settle(
    tenantId: string,
    queue: TenantQueue,
    count: number,
    outcome: 'sealed' | 'rejected',
  ): void {
    const done = queue.entries.splice(0, count)
    queue.sealing = 0
    queue.attempt = 0
    queue.retryAt = 0
    queue.singles = Math.max(0, queue.singles - count)
    this.pending -= count
    this.counts[outcome] += count
    const last = done[done.length - 1]
    if (last) this.settleWaiters(tenantId, last.ticket)
  }

  private settleWaiters(tenantId: string, ticket: number): void {
    for (const waiter of this.waiters) {
      const target = waiter.targets.get(tenantId)
      if (target !== undefined && ticket >= target) waiter.targets.delete(tenantId)
      if (waiter.targets.size === 0) {
        this.waiters.delete(waiter)
        waiter.resolve()
      }
    }
  }

  /** Queues the overflow summaries once there is room again (or at shutdown, regardless). */
  private reportDrops(force: boolean): void {
    if (this.drops.size === 0) return
    if (!force && this.pending > this.maxPending * 0.9) return
    for (const event of this.drops.takeSummaries(this.now(), this.maxPending)) this.enqueue(event)
  }

  private wakeAt(at: number): void {
    if (this.stopped || at >= this.timerAt) return
    this.clearTimer()
    this.timerAt = at
    this.timer = setTimeout(
      () => {
        this.timer = undefined
        this.timerAt = Infinity
        this.pump()
      },
      Math.max(0, at - this.now()),
    )
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    this.timerAt = Infinity
  }
}
