// The in-process transport with a fake seal function: what a server hosting the sealer uses.
import type { AuditEvent } from '@auditseal/core'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createAuditLogger, createInProcessTransport } from '../src/index.js'
import type { AuditLogger, SealedEventLike, SealFunction } from '../src/index.js'
import { testEvent } from './support/events.js'
import { tempDir } from './support/temp.js'

const TENANT_A = '0190d0a8-7f3c-7b6e-9a2d-3c4b5a697887'
const TENANT_B = '0190d0a8-7f3c-7b6e-9a2d-3c4b5a697888'

const loggers: AuditLogger[] = []
afterEach(async () => {
  for (const audit of loggers.splice(0)) await audit.close({ timeoutMs: 0 })
})

/** A seal function that remembers what it sealed, per tenant, deduplicating by id. */
function fakeSealer() {
  const sealed = new Map<string, AuditEvent[]>()
  const byId = new Map<string, SealedEventLike>()
  const calls: { tenantId: string; count: number }[] = []
  let fail: ((events: AuditEvent[]) => unknown) | undefined
  const seal: SealFunction = async (tenantId, events) => {
    calls.push({ tenantId, count: events.length })
    const error = fail?.(events)
    if (error) throw error
    return events.map((event) => {
      const known = byId.get(event.id)
      if (known) return { ...known, status: 'duplicate' as const }
      const list = sealed.get(tenantId) ?? []
      list.push(event)
      sealed.set(tenantId, list)
      const result = {
        id: event.id,
        seq: list.length - 1,
        leafHash: new Uint8Array(32).fill(list.length),
        status: 'created' as const,
      }
      byId.set(event.id, result)
      return result
    })
  }
  return { seal, sealed, calls, failWith: (f: typeof fail) => (fail = f) }
}

function logger(seal: SealFunction, options: { tenantId?: string } = {}): AuditLogger {
  const audit = createAuditLogger({
    transport: createInProcessTransport(seal),
    spoolDir: tempDir(),
    logger: false,
    retry: { initialDelayMs: 1, maxDelayMs: 10 },
    ...options,
  })
  loggers.push(audit)
  return audit
}

describe('the in-process transport', () => {
  it('requires a tenant on every event unless the logger has a default', () => {
    const audit = logger(fakeSealer().seal)
    expect(() => audit.log(testEvent(1))).toThrow(
      'invalid event: tenant_id: is required: this logger has no default tenantId',
    )
    expect(() => audit.log(testEvent(1, { tenant_id: TENANT_A }))).not.toThrow()
  })

  it('seals each tenant’s events in one call per tenant, in order, with leaf hashes in base64', async () => {
    const fake = fakeSealer()
    const audit = logger(fake.seal, { tenantId: TENANT_A })
    for (let i = 0; i < 10; i++) audit.log(testEvent(i, i % 2 ? { tenant_id: TENANT_B } : {}))
    const receipt = await audit.logSync(testEvent(10))
    await audit.flush()
    expect(fake.sealed.get(TENANT_A)?.map((e) => (e.data as { n: number }).n)).toEqual([
      0, 2, 4, 6, 8, 10,
    ])
    expect(fake.sealed.get(TENANT_B)?.map((e) => (e.data as { n: number }).n)).toEqual([
      1, 3, 5, 7, 9,
    ])
    expect(receipt).toEqual({
      id: expect.any(String),
      seq: 5,
      leaf_hash: Buffer.alloc(32, 6).toString('base64'),
      status: 'created',
    })
    // Tenants are separate seal calls; never more than one call per tenant per batch.
    expect(fake.calls.every((c) => c.count > 0)).toBe(true)
  })

  it('retries transient seal failures and counts duplicates as delivered', async () => {
    const fake = fakeSealer()
    let failures = 3
    fake.failWith(() =>
      failures-- > 0
        ? Object.assign(new Error('connection refused'), { code: 'DATABASE_UNREACHABLE' })
        : undefined,
    )
    const audit = logger(fake.seal, { tenantId: TENANT_A })
    const event = testEvent(1, { id: '01890a5d-ac96-774b-bcce-b302099a8057' })
    audit.log(event)
    audit.log(event) // the same id twice: sealed once
    await audit.flush()
    expect(fake.sealed.get(TENANT_A)).toHaveLength(1)
    expect(audit.stats()).toMatchObject({ retries: 3, acknowledged: 2, duplicates: 1, spooled: 0 })
  })

  it('retries, and dead-letters nothing, when the seal function is bound to another tenant', async () => {
    const fake = fakeSealer()
    fake.failWith(() =>
      Object.assign(new Error('event belongs to another tenant'), { code: 'TENANT_MISMATCH' }),
    )
    const audit = logger(fake.seal, { tenantId: TENANT_A })
    const errors: string[] = []
    audit.on('error', (error) => errors.push(error.message))
    for (let i = 0; i < 4; i++) audit.log(testEvent(i))
    await vi.waitFor(() => expect(audit.stats().retries).toBeGreaterThanOrEqual(3), {
      timeout: 5_000,
    })
    expect(audit.stats()).toMatchObject({ deadLettered: 0, spooled: 4 })
    expect(errors[0]).toContain('a configuration error')
  })

  it('keeps close() within its bound while a seal never ends; the next logger delivers', async () => {
    const spoolDir = tempDir()
    const hung = createAuditLogger({
      transport: createInProcessTransport(() => new Promise(() => {})),
      spoolDir,
      tenantId: TENANT_A,
      logger: false,
    })
    hung.log(testEvent(1))
    await hung.ready
    await new Promise((resolve) => setTimeout(resolve, 50)) // the seal has started
    const outcome = await Promise.race([
      hung.close({ timeoutMs: 100 }).then(() => 'closed'),
      new Promise((resolve) => setTimeout(resolve, 5_000, 'still waiting')),
    ])
    expect(outcome).toBe('closed')
    await expect(hung.flush()).rejects.toMatchObject({ code: 'LOGGER_CLOSED' })

    const fake = fakeSealer()
    const next = createAuditLogger({
      transport: createInProcessTransport(fake.seal),
      spoolDir,
      tenantId: TENANT_A,
      logger: false,
    })
    loggers.push(next)
    await next.flush()
    await vi.waitFor(() => expect(fake.sealed.get(TENANT_A)).toHaveLength(1), { timeout: 5_000 })
  })

  it('dead-letters an event the sealer refuses for good, found by bisecting', async () => {
    const fake = fakeSealer()
    fake.failWith((events) =>
      events.some((e) => (e.data as { n: number }).n === 3)
        ? Object.assign(new Error('invalid event: type: …'), { code: 'INVALID_EVENT' })
        : undefined,
    )
    const audit = logger(fake.seal, { tenantId: TENANT_A })
    const dead: string[] = []
    audit.on('dead-letter', ({ id }) => dead.push(id))
    const ids = Array.from(
      { length: 8 },
      (_, i) => `01890a5d-ac96-774b-bcce-${String(i).padStart(12, '0')}`,
    )
    ids.forEach((id, i) => audit.log(testEvent(i, { id })))
    await audit.flush()
    expect(dead).toEqual([ids[3]])
    expect(fake.sealed.get(TENANT_A)?.map((e) => e.id)).toEqual(ids.filter((_, i) => i !== 3))
    expect(audit.stats()).toMatchObject({ deadLettered: 1, acknowledged: 7, retries: 0 })
  })
})
