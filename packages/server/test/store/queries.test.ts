import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuditEvent } from '@auditseal/core'
import type { AuditLog, EventFilter, StoredEvent } from '../../src/store/index.js'
import { StoreError, eventJson, eventObject } from '../../src/store/index.js'
import { testAuditLog } from '../support/audit-log.js'
import type { TestDatabase } from '../support/databases.js'
import { ENGINES } from '../support/databases.js'
import { makeEvents, newTenantId } from '../support/events.js'

describe.each(ENGINES)('queries on $name', ({ create }) => {
  let database: TestDatabase
  let log: AuditLog
  const tenant = newTenantId()
  let events: AuditEvent[]

  beforeAll(async () => {
    database = await create()
    log = testAuditLog(database.db)
    events = makeEvents(tenant, 120)
    events[17] = { ...events[17]!, data: { message: 'Firmware rollback on boiler sensor' } }
    await log.sealer.seal(tenant, events)
    const other = newTenantId()
    await log.sealer.seal(other, makeEvents(other, 30))
  })
  afterAll(async () => database?.drop())

  const ids = (list: StoredEvent[]) => list.map((e) => (JSON.parse(e.canonical) as AuditEvent).id)
  const expected = (keep: (e: AuditEvent, seq: number) => boolean) =>
    events
      .map((e, seq) => ({ e, seq }))
      .filter(({ e, seq }) => keep(e, seq))
      .map(({ e }) => e.id)
      .reverse()

  async function listAll(filter: EventFilter, limit = 7): Promise<StoredEvent[]> {
    const out: StoredEvent[] = []
    let cursor: string | undefined
    do {
      const page = await log.reader.listEvents(tenant, filter, { limit, cursor, order: 'desc' })
      expect(page.events.length).toBeLessThanOrEqual(limit)
      out.push(...page.events)
      cursor = page.nextCursor ?? undefined
    } while (cursor)
    return out
  }

  it.each<[string, EventFilter, (e: AuditEvent) => boolean]>([
    ['no filter', {}, () => true],
    ['exact type', { type: 'device.updated' }, (e) => e.type === 'device.updated'],
    ['type prefix', { type: 'device.*' }, (e) => e.type.startsWith('device.')],
    ['actor id', { actorId: 'user-3' }, (e) => e.actor.id === 'user-3'],
    ['actor type', { actorType: 'user' }, (e) => e.actor.type === 'user'],
    ['target', { targetType: 'device', targetId: 'dev-4' }, (e) => e.target?.id === 'dev-4'],
    ['outcome', { outcome: 'failure' }, (e) => e.outcome === 'failure'],
    [
      'time range',
      { from: '2026-11-01T00:10:00.000Z', to: '2026-11-01T00:50:00.000Z' },
      (e) =>
        e.occurred_at >= '2026-11-01T00:10:00.000Z' && e.occurred_at < '2026-11-01T00:50:00.000Z',
    ],
    ['text search', { q: 'firmware boiler' }, (e) => JSON.stringify(e.data).includes('Firmware')],
    [
      'combined',
      { type: 'device.*', actorId: 'user-1', outcome: 'success' },
      (e) => e.type.startsWith('device.') && e.actor.id === 'user-1' && e.outcome === 'success',
    ],
  ])('filters by %s, newest first, across pages', async (_, filter, keep) => {
    const found = await listAll(filter)
    expect(ids(found)).toEqual(expected(keep))
    expect(found.length).toBeGreaterThan(0)
  })

  it('pages oldest first with order=asc', async () => {
    const page = await log.reader.listEvents(tenant, {}, { limit: 50, order: 'asc' })
    expect(page.events.map((e) => e.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i))
    const next = await log.reader.listEvents(
      tenant,
      {},
      { limit: 100, order: 'asc', cursor: page.nextCursor! },
    )
    expect(next.events.map((e) => e.seq)).toEqual(Array.from({ length: 70 }, (_, i) => 50 + i))
    expect(next.nextCursor).toBeNull()
  })

  it('treats SQL-looking values as plain values', async () => {
    expect(await listAll({ actorId: "user-1' OR '1'='1" })).toEqual([])
    expect(await listAll({ q: "'); DROP TABLE auditseal.audit_events; --" })).toEqual([])
    expect((await listAll({})).length).toBe(120)
  })

  it('rejects cursors it did not make, or made for the other order', async () => {
    const page = await log.reader.listEvents(tenant, {}, { limit: 5, order: 'desc' })
    for (const cursor of ['garbage', 'djE6ZGVzYzotMQ', '', 'a'.repeat(100)]) {
      await expect(
        log.reader.listEvents(tenant, {}, { limit: 5, order: 'desc', cursor }),
      ).rejects.toThrow(StoreError)
    }
    await expect(
      log.reader.listEvents(tenant, {}, { limit: 5, order: 'asc', cursor: page.nextCursor! }),
    ).rejects.toThrow(/order=desc/)
  })

  it('exports every matching event in seq order, a page at a time', async () => {
    const exported: StoredEvent[] = []
    for await (const event of log.reader.exportEvents(tenant, { type: 'device.*' }, 9))
      exported.push(event)
    expect(ids(exported)).toEqual(expected((e) => e.type.startsWith('device.')).reverse())
  })

  it('returns events as E plus seq and leaf_hash, identically as text and as objects', async () => {
    const event = await log.reader.eventById(tenant, events[5]!.id)
    expect(event).toBeDefined()
    const fromText = JSON.parse(eventJson(event!)) as Record<string, unknown>
    expect(fromText).toEqual(eventObject(event!))
    expect(fromText.seq).toBe(5)
    expect(fromText.leaf_hash).toBe(Buffer.from(event!.leafHash).toString('base64'))
    const { seq: _seq, leaf_hash: _leaf, recorded_at: _recorded, ...members } = fromText
    expect(members).toEqual(events[5])
    expect(await log.reader.eventById(tenant, 'not-a-uuid')).toBeUndefined()
  })
})
