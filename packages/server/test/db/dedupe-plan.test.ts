// The sealer's dedupe lookup must stay one index probe per id however large the tenant's log
// grows and whatever the statistics say. Written as `id = ANY(ids)`, the plan was the
// planner's choice: in the SDK benchmark, with a 240,000-event tenant and statistics taken
// while it was small, it chose a bitmap scan of every row of the tenant filtered by id — half
// a second per 1,000-event seal, growing with the log. The LATERAL … LIMIT 2 form leaves no
// such choice; this pins its shape on the server after ANALYZE of a 250,000-event tenant, as
// the writer under RLS, exactly as the sealer runs it, and the shape of the highest-id read. (PGlite plans the same way but is no
// production target.)

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEDUPE_SQL, HIGHEST_ID_SQL } from '../../src/store/sealer.js'
import { createPostgresDatabase, type PostgresTestDatabase } from '../support/databases.js'
import { TENANT_A } from './rows.js'

const EVENTS = 250_000

describe('the dedupe lookup on PostgreSQL', () => {
  let t: PostgresTestDatabase
  let ids: string[]
  let partition: string

  beforeAll(async () => {
    t = await createPostgresDatabase()
    const [row] = await t.db.adminQuery<{ name: string }>(
      'SELECT auditseal.ensure_event_partition(now()) AS name',
    )
    partition = row!.name
    await t.db.adminQuery(
      `INSERT INTO auditseal.audit_events (tenant_id, seq, id, type, outcome, actor_type,
         actor_id, target_type, target_id, occurred_at, recorded_at, canonical, leaf_hash)
       SELECT $1::uuid, g,
         -- UUIDv7-like: time-ordered, as the SDK makes them (their order follows seq)
         (lpad(to_hex(1790000000000 + g), 12, '0') || '7000' || '8000' || lpad(to_hex(g), 12, '0'))::uuid,
         'device.updated', 'success', 'user',
         'user-' || (g % 97), 'device', 'dev-' || (g % 1013), now(), now(), '{}', '\\x00'
       FROM generate_series(0, $2::int - 1) AS g`,
      [TENANT_A, EVENTS],
    )
    await t.db.adminQuery('ANALYZE auditseal.audit_events')
    const rows = await t.db.adminQuery<{ id: string }>(
      `SELECT id::text AS id FROM auditseal.audit_events ORDER BY seq DESC LIMIT 500`,
    )
    // A batch as the sealer sees it: the newest ids of the log (a retried batch) and new ones.
    const fresh = Array.from({ length: 500 }, (_, i) => {
      const hex = (EVENTS + i).toString(16).padStart(12, '0')
      return `${(1_790_000_000_000 + EVENTS + i).toString(16).padStart(12, '0')}70008000${hex}`
    })
    ids = [
      ...rows.map((r) => r.id),
      ...fresh.map((h) => h.replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-')),
    ]
  }, 120_000)
  afterAll(() => t?.drop())

  async function planAsWriter(analyze: boolean): Promise<string> {
    const rows = await t.db.tenantTransaction('writer', TENANT_A, (sql) =>
      sql.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN ${analyze ? '(ANALYZE, TIMING OFF) ' : ''}${DEDUPE_SQL}`,
        [TENANT_A, ids.join(',')],
      ),
    )
    return rows.map((r) => r['QUERY PLAN']).join('\n')
  }

  it('probes (tenant_id, id) once per id instead of reading the tenant’s rows', async () => {
    const plan = await planAsWriter(false)
    expect(plan).toMatch(/Nested Loop/)
    expect(plan).toMatch(/_tenant_id_id_idx/)
    expect(plan).toMatch(/Index Cond: \(\(tenant_id = .*\) AND \(id = wanted\.id\)\)/)
    // The month's partition holds the rows; the empty months ahead may be scanned.
    expect(plan).not.toMatch(new RegExp(`Seq Scan on ${partition}\\b`))
    expect(plan).not.toMatch(
      new RegExp(
        `Bitmap Heap Scan on ${partition}[^\\n]*\\n\\s*Recheck Cond: \\(tenant_id = [^)]*\\)\\n`,
      ),
    )
  })

  it('finds exactly the ids already in the log, touching about one row per id', async () => {
    const plan = await planAsWriter(true)
    // Rows removed by a filter would mean a scan wider than the probes.
    expect(plan).not.toMatch(/Rows Removed by Filter: [1-9]\d{3,}/)
    const found = await t.db.tenantTransaction('writer', TENANT_A, (sql) =>
      sql.query<{ id: string }>(DEDUPE_SQL, [TENANT_A, ids.join(',')]),
    )
    expect(new Set(found.map((r) => r.id))).toEqual(new Set(ids.slice(0, 500)))
  })

  it('reads the highest id (for a head from before migration 0011) from the index', async () => {
    const rows = await t.db.tenantTransaction('writer', TENANT_A, (sql) =>
      sql.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, TIMING OFF) ${HIGHEST_ID_SQL}`, [
        TENANT_A,
      ]),
    )
    const plan = rows.map((r) => r['QUERY PLAN']).join('\n')
    expect(plan).toMatch(/Index (Only )?Scan Backward using \S*_tenant_id_id_idx/)
    expect(plan).not.toMatch(/-> {2}Sort\b|Sort Method|Seq Scan on/) // a Merge Append's own order is fine
    const [highest] = await t.db.tenantTransaction('writer', TENANT_A, (sql) =>
      sql.query<{ id: string }>(HIGHEST_ID_SQL, [TENANT_A]),
    )
    const [expected] = await t.db.adminQuery<{ id: string }>(
      `SELECT id::text AS id FROM auditseal.audit_events WHERE tenant_id = $1
       ORDER BY id::text DESC LIMIT 1`,
      [TENANT_A],
    )
    expect(highest?.id).toBe(expected!.id)
  })
})
