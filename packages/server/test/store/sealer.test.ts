import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { canonicalJson, toHex } from '@auditseal/core'
import type { AuditLog } from '../../src/store/index.js'
import { Sealer, StoreError } from '../../src/store/index.js'
import { allRows, expectedLeafHash, rebuildTree, testAuditLog } from '../support/audit-log.js'
import type { TestDatabase } from '../support/databases.js'
import { ENGINES } from '../support/databases.js'
import { makeEvent, makeEvents, newTenantId } from '../support/events.js'

describe.each(ENGINES)('sealing on $name', ({ create }) => {
  let database: TestDatabase
  let log: AuditLog

  beforeAll(async () => {
    database = await create()
    log = testAuditLog(database.db)
  })
  afterAll(async () => database?.drop())

  it('gives new events consecutive seqs, recorded_at and the leaf hash of their canonical form', async () => {
    const tenant = newTenantId()
    const events = makeEvents(tenant, 25)
    const sealed = await log.sealer.seal(tenant, events)
    expect(sealed.map((s) => s.seq)).toEqual(events.map((_, i) => i))
    expect(sealed.every((s) => s.status === 'created')).toBe(true)
    const rows = await allRows(database.db, tenant)
    expect(rows).toHaveLength(25)
    for (const [i, row] of rows.entries()) {
      const stored = JSON.parse(row.canonical) as { recorded_at: string; id: string }
      expect(stored.id).toBe(events[i]?.id)
      expect(stored.recorded_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
      expect(row.leafHash).toBe(expectedLeafHash(log, events[i]!, stored.recorded_at))
      expect(toHex(sealed[i]!.leafHash)).toBe(row.leafHash)
    }
    const head = await log.reader.head(tenant)
    expect(head.treeSize).toBe(25)
    expect(toHex(head.rootHash)).toBe(toHex(rebuildTree(log, rows).root()))
  })

  it('never lets recorded_at go back along seq: a batch stamped before a later one sealed takes its time', async () => {
    const tenant = newTenantId()
    const at = (iso: string) => () => new Date(iso)
    // Two sealers (two processes, or two requests whose batches were stamped in one order and
    // took the lock in the other): the one whose clock reads later seals first.
    const ahead = new Sealer(database.db, log.hasher, at('2034-03-04T05:06:07.890Z'))
    const behind = new Sealer(database.db, log.hasher, at('2034-03-04T05:06:07.123Z'))
    const first = makeEvents(tenant, 3)
    const second = makeEvents(tenant, 4, 3)
    await ahead.seal(tenant, first)
    const sealed = await behind.seal(tenant, second)
    const rows = await allRows(database.db, tenant)
    const stamps = rows.map((r) => (JSON.parse(r.canonical) as { recorded_at: string }).recorded_at)
    expect(stamps).toEqual(Array(7).fill('2034-03-04T05:06:07.890Z'))
    // The re-stamped batch's texts, leaf hashes and acknowledgements agree with each other.
    for (const [i, event] of second.entries()) {
      const row = rows[3 + i]!
      expect(row.leafHash).toBe(expectedLeafHash(log, event, '2034-03-04T05:06:07.890Z'))
      expect(toHex(sealed[i]!.leafHash)).toBe(row.leafHash)
    }
    const [column] = await database.db.adminQuery<{ n: string }>(
      `SELECT count(DISTINCT recorded_at)::text AS n FROM auditseal.audit_events WHERE tenant_id = $1`,
      [tenant],
    )
    expect(column?.n).toBe('1')
    const head = await log.reader.head(tenant)
    expect(toHex(head.rootHash)).toBe(toHex(rebuildTree(log, rows).root()))

    // A clock that reads later again is followed.
    await new Sealer(database.db, log.hasher, at('2034-03-04T05:06:08.000Z')).seal(tenant, [
      makeEvent(tenant, 7),
    ])
    const last = (await allRows(database.db, tenant))[7]!
    expect((JSON.parse(last.canonical) as { recorded_at: string }).recorded_at).toBe(
      '2034-03-04T05:06:08.000Z',
    )
  })

  it('stores the exact canonical text and the query columns of events full of escapes', async () => {
    const tenant = newTenantId()
    const awkward = [
      makeEvent(tenant, 0, {
        actor: { type: 'user', id: 'quote " back \\ slash', name: 'tab\tnew\nline' },
        target: { type: 'device', id: '\ud83d\ude00 caf\u00e9 \u2028', name: '\u0001' },
        data: { nested: { '10': [1.5e-7, -0, 1e21], '9': '"}]' } },
      }),
      makeEvent(tenant, 1, { target: undefined, data: { 'k"ey': 'a,b' } }),
      // A NUL in data takes the other way in (PostgreSQL's JSON parser refuses \u0000).
      makeEvent(tenant, 2, {
        actor: { type: 'user', id: 'u"\\' },
        data: { nul: '\u0000', esc: '\\u0000' },
      }),
    ]
    const sealed = [
      ...(await log.sealer.seal(tenant, awkward.slice(0, 2))),
      ...(await log.sealer.seal(tenant, awkward.slice(2))),
    ]
    const rows = await database.db.adminQuery<{
      canonical: string
      actor_id: string
      target_type: string | null
      target_id: string | null
      type: string
      occurred_at: Date
    }>(
      `SELECT canonical, actor_id, target_type, target_id, type, occurred_at
       FROM auditseal.audit_events WHERE tenant_id = $1 ORDER BY seq`,
      [tenant],
    )
    for (const [i, row] of rows.entries()) {
      const event = awkward[i]!
      const recordedAt = (JSON.parse(row.canonical) as { recorded_at: string }).recorded_at
      expect(row.canonical).toBe(canonicalJson({ ...event, recorded_at: recordedAt }))
      expect(toHex(sealed[i]!.leafHash)).toBe(expectedLeafHash(log, event, recordedAt))
      expect(row.actor_id).toBe(event.actor.id)
      expect(row.target_type).toBe(event.target?.type ?? null)
      expect(row.target_id).toBe(event.target?.id ?? null)
      expect(row.type).toBe(event.type)
      expect(new Date(row.occurred_at).toISOString()).toBe(event.occurred_at)
    }
    rebuildTree(log, await allRows(database.db, tenant))
  })

  it('reports events already in the log, or repeated in the batch, as duplicates', async () => {
    const tenant = newTenantId()
    const first = makeEvents(tenant, 3)
    await log.sealer.seal(tenant, first)
    const again = [first[1]!, makeEvent(tenant, 10), first[1]!, first[0]!]
    const fresh = again[1]!
    const sealed = await log.sealer.seal(tenant, [...again, fresh])
    expect(sealed.map((s) => [s.status, s.seq])).toEqual([
      ['duplicate', 1],
      ['created', 3],
      ['duplicate', 1],
      ['duplicate', 0],
      ['duplicate', 3],
    ])
    expect(await allRows(database.db, tenant)).toHaveLength(4)
  })

  it('stores the same 1000-event batch once when it is sent five times at once', async () => {
    const tenant = newTenantId()
    const batch = makeEvents(tenant, 1000)
    const results = await Promise.all(
      Array.from({ length: 5 }, () => log.sealer.seal(tenant, batch)),
    )
    const rows = await allRows(database.db, tenant)
    expect(rows.map((r) => r.seq)).toEqual(batch.map((_, i) => i))
    expect(new Set(rows.map((r) => r.id)).size).toBe(1000)
    // Exactly one of the five created the events; the others saw duplicates with the same seqs.
    const created = results.filter((r) => r.every((s) => s.status === 'created'))
    expect(created).toHaveLength(1)
    for (const result of results)
      expect(result.map((s) => s.seq)).toEqual(created[0]!.map((s) => s.seq))
    rebuildTree(log, rows)
  })

  it('keeps seqs contiguous and roots right with four writers on one tenant and four on others', async () => {
    const shared = newTenantId()
    const others = Array.from({ length: 4 }, () => newTenantId())
    const writer = async (tenant: string, offset: number) => {
      for (let round = 0; round < 5; round++) {
        await log.sealer.seal(tenant, makeEvents(tenant, 40, offset + round * 40))
      }
    }
    await Promise.all([
      ...[0, 1, 2, 3].map((w) => writer(shared, w * 1000)),
      ...others.map((tenant) => writer(tenant, 0)),
    ])
    for (const [tenant, count] of [
      [shared, 800],
      ...others.map((t) => [t, 200] as const),
    ] as const) {
      const rows = await allRows(database.db, tenant)
      expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: count }, (_, i) => i))
      const tree = rebuildTree(log, rows)
      const head = await log.reader.head(tenant)
      expect(toHex(head.rootHash)).toBe(toHex(tree.root()))
      // The stored interior hashes agree with the events too: a proof from them verifies.
      const proof = await log.reader.inclusionProof(tenant, count - 1, count)
      expect(proof.map(toHex)).toEqual(tree.inclusionProof(count - 1).map(toHex))
    }
  })

  it('stores nothing of a batch that fails part-way', async () => {
    const tenant = newTenantId()
    await log.sealer.seal(tenant, makeEvents(tenant, 5))
    const bad = makeEvents(tenant, 5, 5)
    // Passes the TypeScript types but not PostgreSQL: the insert fails inside the transaction.
    bad[3] = { ...bad[3]!, occurred_at: '2026-02-30T00:00:00.000Z' }
    await expect(log.sealer.seal(tenant, bad)).rejects.toThrow()
    expect(await allRows(database.db, tenant)).toHaveLength(5)
    expect((await log.reader.head(tenant)).treeSize).toBe(5)
    const next = await log.sealer.seal(tenant, makeEvents(tenant, 2, 20))
    expect(next.map((s) => s.seq)).toEqual([5, 6])
    rebuildTree(log, await allRows(database.db, tenant))
  })

  it('creates the partitions of a new month, and of the next, before sealing into it', async () => {
    const later = new Sealer(database.db, log.hasher, () => new Date('2031-05-31T23:59:59.500Z'))
    const tenant = newTenantId()
    const sealed = await later.seal(tenant, makeEvents(tenant, 3))
    expect(sealed.map((s) => s.status)).toEqual(['created', 'created', 'created'])
    const partitions = await database.db.adminQuery<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'auditseal.audit_events'::regclass AND c.relname LIKE '%2031%'
       ORDER BY 1`,
    )
    expect(partitions.map((p) => p.name)).toEqual([
      'audit_events_p2031_05',
      'audit_events_p2031_06',
    ])
    const [row] = await allRows(database.db, tenant)
    expect(JSON.parse(row!.canonical).recorded_at).toBe('2031-05-31T23:59:59.500Z')
  })

  it('refuses events of another tenant', async () => {
    const tenant = newTenantId()
    const other = makeEvent(newTenantId(), 0)
    await expect(log.sealer.seal(tenant, [other])).rejects.toThrow(StoreError)
    expect(await allRows(database.db, tenant)).toHaveLength(0)
  })
})
