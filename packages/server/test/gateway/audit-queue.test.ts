import type { AuditEvent } from '@auditseal/core'
import { describe, expect, it } from 'vitest'
import { AuditQueue, AuditQueueError } from '../../src/audit-queue/index.js'
import type { AuditQueueErrorContext, AuditQueueOptions } from '../../src/audit-queue/index.js'
import { makeEvent, newTenantId } from '../support/events.js'

/** A sealer stub that records every call and can be held, failed or slowed. */
function stubSealer() {
  const calls: { tenantId: string; ids: string[] }[] = []
  const sealed: AuditEvent[] = []
  let gate: Promise<void> = Promise.resolve()
  let release: () => void = () => {}
  let failNext = 0
  let inFlight = 0
  let maxInFlight = 0
  const stub = {
    calls,
    sealed,
    maxInFlight: () => maxInFlight,
    hold() {
      gate = new Promise((resolve) => (release = resolve))
    },
    release: () => release(),
    failTimes(n: number) {
      failNext = n
    },
    poison: new Set<string>(),
    seal: async (tenantId: string, events: AuditEvent[]) => {
      calls.push({ tenantId, ids: events.map((e) => e.id) })
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      try {
        await gate
        if (failNext > 0) {
          failNext--
          throw Object.assign(new Error('connection terminated'), { code: '57P01' })
        }
        if (events.some((e) => stub.poison.has(e.id))) {
          throw Object.assign(new Error('unsupported Unicode escape sequence'), { code: '22P05' })
        }
        sealed.push(...events)
      } finally {
        inFlight--
      }
    },
  }
  return stub
}

function queueWith(
  sealer: ReturnType<typeof stubSealer>,
  options: Partial<AuditQueueOptions> = {},
): { queue: AuditQueue; errors: { error: unknown; context: AuditQueueErrorContext }[] } {
  const errors: { error: unknown; context: AuditQueueErrorContext }[] = []
  const queue = new AuditQueue({
    seal: sealer.seal,
    retryInitialMs: 5,
    retryMaxMs: 20,
    onError: (error, context) => errors.push({ error, context }),
    ...options,
  })
  return { queue, errors }
}

describe('AuditQueue', () => {
  describe('log()', () => {
    it('returns at once while the sealer is still busy with earlier events', async () => {
      const sealer = stubSealer()
      sealer.hold() // every seal waits until released: a very slow database
      const { queue } = queueWith(sealer)
      const tenant = newTenantId()
      // Every call returns although no seal will finish until release(): nothing waits on it.
      for (let i = 0; i < 1000; i++) expect(queue.log(makeEvent(tenant, i))).toBeUndefined()
      await new Promise((resolve) => setTimeout(resolve, 20))
      expect(sealer.calls.length).toBeGreaterThan(0) // a seal is under way, stuck
      expect(sealer.sealed).toHaveLength(0)
      expect(queue.stats().pending).toBe(1000)

      sealer.release()
      await queue.flush()
      expect(sealer.sealed).toHaveLength(1000)
      expect(queue.stats()).toMatchObject({ pending: 0, sealed: 1000 })
    })

    it('never throws, even for things that are not events, and counts them', () => {
      const sealer = stubSealer()
      const { queue, errors } = queueWith(sealer)
      expect(() => queue.log(null as unknown as AuditEvent)).not.toThrow()
      expect(() => queue.log({ v: 1 } as unknown as AuditEvent)).not.toThrow()
      const bad = { ...makeEvent(newTenantId(), 1), type: 'Not A Type' }
      expect(() => queue.log(bad)).not.toThrow()
      expect(queue.stats()).toMatchObject({ invalid: 3, pending: 0 })
      expect(errors.map((e) => e.context.kind)).toEqual(['invalid', 'invalid', 'invalid'])
      expect(errors[2]?.context.event).toBe(bad)
    })
  })

  describe('batching', () => {
    it("seals each tenant's events in one batch, in the order they were logged", async () => {
      const sealer = stubSealer()
      const { queue } = queueWith(sealer, { maxDelayMs: 20 })
      const [a, b] = [newTenantId(), newTenantId()]
      const aEvents = Array.from({ length: 10 }, (_, i) => makeEvent(a, i))
      const bEvents = Array.from({ length: 5 }, (_, i) => makeEvent(b, i))
      for (let i = 0; i < 10; i++) {
        queue.log(aEvents[i] as AuditEvent)
        if (i < 5) queue.log(bEvents[i] as AuditEvent)
      }
      await queue.flush()
      expect(sealer.calls).toHaveLength(2)
      expect(sealer.calls.find((c) => c.tenantId === a)?.ids).toEqual(aEvents.map((e) => e.id))
      expect(sealer.calls.find((c) => c.tenantId === b)?.ids).toEqual(bEvents.map((e) => e.id))
    })

    it('sends a batch as soon as it is full, without waiting for the time bound', async () => {
      const sealer = stubSealer()
      const { queue } = queueWith(sealer, { maxBatch: 4, maxDelayMs: 60_000 })
      const tenant = newTenantId()
      for (let i = 0; i < 10; i++) queue.log(makeEvent(tenant, i))
      await new Promise((resolve) => setTimeout(resolve, 30))
      // Two full batches went; the last two wait for companions (or flush).
      expect(sealer.calls.map((c) => c.ids.length)).toEqual([4, 4])
      await queue.flush()
      expect(sealer.calls.map((c) => c.ids.length)).toEqual([4, 4, 2])
    })

    it('sends a partial batch once its oldest event has waited maxDelayMs', async () => {
      const sealer = stubSealer()
      const { queue } = queueWith(sealer, { maxDelayMs: 10 })
      queue.log(makeEvent(newTenantId(), 0))
      await new Promise((resolve) => setTimeout(resolve, 60))
      expect(sealer.sealed).toHaveLength(1)
    })

    it('lets partial batches linger so that sealing stays a bounded share of the time', async () => {
      // Each seal takes 20 ms; with a share of 0.2 the next partial batch waits 80 ms, so
      // events logged every 2 ms gather in batches instead of costing a seal each.
      const sizes: number[] = []
      const queue = new AuditQueue({
        maxDelayMs: 0,
        maxSealShare: 0.2,
        seal: async (_tenantId, events) => {
          sizes.push(events.length)
          await new Promise((resolve) => setTimeout(resolve, 20))
        },
      })
      const tenant = newTenantId()
      for (let i = 0; i < 150; i++) {
        queue.log(makeEvent(tenant, i))
        await new Promise((resolve) => setTimeout(resolve, 2))
      }
      await queue.flush()
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(150)
      // ≥ 300 ms of logging in cycles of ≥ 100 ms: a handful of seals, not 150.
      expect(sizes.length).toBeLessThanOrEqual(8)
      expect(Math.max(...sizes)).toBeGreaterThan(20)
    })

    it('does not make a full batch or a flush wait for the linger', async () => {
      const sizes: number[] = []
      const queue = new AuditQueue({
        maxBatch: 5,
        maxDelayMs: 0,
        maxSealShare: 0.001, // a linger of up to maxLingerMs after every seal
        maxLingerMs: 60_000,
        seal: async (_tenantId, events) => {
          sizes.push(events.length)
          await new Promise((resolve) => setTimeout(resolve, 5))
        },
      })
      const tenant = newTenantId()
      queue.log(makeEvent(tenant, 0))
      await queue.flush() // seals at once, then lingers
      for (let i = 1; i <= 12; i++) queue.log(makeEvent(tenant, i))
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(sizes).toEqual([1, 5, 5]) // the two full batches went; two events linger
      await queue.flush()
      expect(sizes).toEqual([1, 5, 5, 2])
    })

    it('seals at most `concurrency` tenants at a time', async () => {
      const sealer = stubSealer()
      sealer.hold()
      const { queue } = queueWith(sealer, { concurrency: 2, maxDelayMs: 0 })
      for (let t = 0; t < 6; t++) queue.log(makeEvent(newTenantId(), t))
      await new Promise((resolve) => setTimeout(resolve, 20))
      expect(sealer.calls).toHaveLength(2)
      sealer.release()
      await queue.flush()
      expect(sealer.maxInFlight()).toBe(2)
      expect(sealer.sealed).toHaveLength(6)
    })
  })

  describe('when sealing fails', () => {
    it('retries with backoff until it works, dropping nothing and keeping the order', async () => {
      const sealer = stubSealer()
      sealer.failTimes(3)
      const { queue, errors } = queueWith(sealer)
      const tenant = newTenantId()
      const events = Array.from({ length: 20 }, (_, i) => makeEvent(tenant, i))
      for (const event of events) queue.log(event)
      await queue.flush()
      expect(sealer.sealed.map((e) => e.id)).toEqual(events.map((e) => e.id))
      expect(queue.stats()).toMatchObject({ sealed: 20, retries: 3, rejected: 0, pending: 0 })
      expect(errors.map((e) => e.context)).toEqual([
        expect.objectContaining({ kind: 'retry', tenantId: tenant, attempt: 1, events: 20 }),
        expect.objectContaining({ kind: 'retry', attempt: 2 }),
        expect.objectContaining({ kind: 'retry', attempt: 3 }),
      ])
      const waits = errors.map((e) => e.context.retryInMs as number)
      expect(waits[0]).toBeGreaterThanOrEqual(2)
      expect(waits[2]).toBeLessThanOrEqual(20)
    })

    it('refuses for good only the one event the database cannot store, and reports it', async () => {
      const sealer = stubSealer()
      const { queue, errors } = queueWith(sealer)
      const tenant = newTenantId()
      const events = Array.from({ length: 5 }, (_, i) => makeEvent(tenant, i))
      sealer.poison.add((events[2] as AuditEvent).id)
      for (const event of events) queue.log(event)
      await queue.flush()
      expect(sealer.sealed.map((e) => e.id)).toEqual(
        events.filter((_, i) => i !== 2).map((e) => e.id),
      )
      expect(queue.stats()).toMatchObject({ sealed: 4, rejected: 1, pending: 0 })
      const rejected = errors.filter((e) => e.context.kind === 'rejected')
      expect(rejected).toHaveLength(1)
      expect(rejected[0]?.context.event).toBe(events[2])
    })
  })

  describe('when full', () => {
    it('refuses new events, counts them, and records how many in the tenant’s log', async () => {
      const sealer = stubSealer()
      sealer.hold()
      const { queue, errors } = queueWith(sealer, { maxPending: 3, maxDelayMs: 0 })
      const tenant = newTenantId()
      for (let i = 0; i < 7; i++) queue.log(makeEvent(tenant, i))
      expect(queue.stats()).toMatchObject({ pending: 3, overflowed: 4 })
      expect(errors.filter((e) => e.context.kind === 'overflow')).toHaveLength(1) // per episode

      sealer.release()
      await queue.flush()
      await new Promise((resolve) => setTimeout(resolve, 20))
      await queue.flush()
      const summary = sealer.sealed.find((e) => e.type === 'audit.events_dropped')
      expect(summary).toMatchObject({
        tenant_id: tenant,
        outcome: 'failure',
        actor: { type: 'system', id: 'auditseal' },
        error: { code: 'AUDIT_QUEUE_FULL' },
        data: { count: 4, queue_capacity: 3 },
      })
      expect(sealer.sealed).toHaveLength(4) // three events and the summary
    })
  })

  describe('flush()', () => {
    it('waits for the events logged before it, not for later ones', async () => {
      const tenant = newTenantId()
      const [first, second] = [makeEvent(tenant, 0), makeEvent(tenant, 1)]
      const sealed: string[] = []
      let release: () => void = () => {}
      const held = new Promise<void>((resolve) => (release = resolve))
      const queue = new AuditQueue({
        maxDelayMs: 0,
        seal: async (_tenantId, events) => {
          if (events.some((e) => e.id === second.id)) await held // the later event is slow
          sealed.push(...events.map((e) => e.id))
        },
      })
      queue.log(first)
      const flushed = queue.flush()
      await new Promise((resolve) => setTimeout(resolve, 5)) // the first batch is on its way
      queue.log(second)
      await flushed
      expect(sealed).toEqual([first.id])
      release()
      await queue.flush()
      expect(sealed).toEqual([first.id, second.id])
    })

    it('resolves at once when nothing is pending', async () => {
      const { queue } = queueWith(stubSealer())
      await expect(queue.flush()).resolves.toBeUndefined()
    })
  })

  describe('close()', () => {
    it('seals what is queued, then refuses new events', async () => {
      const sealer = stubSealer()
      const { queue } = queueWith(sealer, { maxDelayMs: 60_000 })
      const tenant = newTenantId()
      for (let i = 0; i < 3; i++) queue.log(makeEvent(tenant, i))
      await queue.close()
      expect(sealer.sealed).toHaveLength(3)
      queue.log(makeEvent(tenant, 3))
      expect(queue.stats()).toMatchObject({ sealed: 3, refusedClosed: 1, pending: 0 })
      await expect(queue.close()).resolves.toBeUndefined() // idempotent
    })

    it('gives up after closeTimeoutMs when the database never comes back, and says how many', async () => {
      const sealer = stubSealer()
      sealer.failTimes(Number.MAX_SAFE_INTEGER)
      const { queue } = queueWith(sealer, { closeTimeoutMs: 100 })
      queue.log(makeEvent(newTenantId(), 0))
      queue.log(makeEvent(newTenantId(), 1))
      const closed = queue.close()
      await expect(closed).rejects.toThrow(AuditQueueError)
      await expect(closed).rejects.toThrow(
        '2 audit event(s) could not be sealed within 100 ms of shutdown',
      )
    })
  })
})
