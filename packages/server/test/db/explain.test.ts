// The listing queries of the API use the indexes made for them, on the server, with RLS in
// force exactly as in production: EXPLAIN runs as auditseal_reader scoped to one tenant,
// after ANALYZE of 60,000 rows over 12 tenants. (PGlite plans the same way but is no
// production target, so only the server is checked.)
//
// Under RLS the planner may use a condition in an index scan only if its operator is
// LEAKPROOF. `=`, `<`, `>=` on text and timestamptz are; LIKE and the text-search match `@@`
// are not. So a type prefix must be written as a range (`type >= $2 AND type < $3`), and a
// text search is a filter over the tenant's rows; there is no GIN index, since it could
// never serve the reader and cost most of the insert rate (docs/storage.md).

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPostgresDatabase, type PostgresTestDatabase } from '../support/databases.js'
import { TENANT_A } from './rows.js'

const TENANTS = 12
const PER_TENANT = 5_000

describe('query plans on PostgreSQL', () => {
  let t: PostgresTestDatabase
  let partition: string

  beforeAll(async () => {
    t = await createPostgresDatabase()
    // Tenant 0 is TENANT_A. 1 in 20 types is device.created, 1 in 100 events is rare.*,
    // 200 actors, 500 targets, occurred_at spread over 30 days, one unique word per event.
    await t.db.adminQuery(
      `INSERT INTO auditseal.audit_events (tenant_id, seq, id, type, outcome, actor_type,
         actor_id, target_type, target_id, occurred_at, recorded_at, canonical, leaf_hash)
       SELECT CASE WHEN g % $1 = 0 THEN $3::uuid
                ELSE ('0190c000-0000-7000-8000-' || lpad((g % $1)::text, 12, '0'))::uuid END,
         g / $1,
         gen_random_uuid(),
         CASE WHEN g % 100 = 1 THEN 'rare.thing' ELSE 'kind' || (g % 20) || '.happened' END,
         'success', 'user', 'user-' || (g % 200), 'device', 'dev-' || (g % 500),
         now() - make_interval(secs => (g % 2592000)), now(),
         '{"note":"word' || g || ' shared"}', '\\x00'
       FROM generate_series(0, $1::int * $2::int - 1) AS g`,
      [TENANTS, PER_TENANT, TENANT_A],
    )
    await t.db.adminQuery('ANALYZE auditseal.audit_events')
    const [row] = await t.db.adminQuery<{ name: string }>(
      'SELECT auditseal.ensure_event_partition(now()) AS name',
    )
    partition = row!.name
  })
  afterAll(() => t?.drop())

  async function planAsReader(query: string, params: unknown[]): Promise<string> {
    const rows = await t.db.tenantTransaction('reader', TENANT_A, (sql) =>
      sql.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${query}`, params),
    )
    return rows.map((r) => r['QUERY PLAN']).join('\n')
  }

  function expectIndex(plan: string, index: string): void {
    expect(plan).toContain(`${partition}_${index}`)
    expect(plan).not.toMatch(new RegExp(`Seq Scan on ${partition}\\b`))
  }

  const LIST = 'SELECT seq FROM auditseal.audit_events WHERE tenant_id = $1 AND'
  const PAGE = 'ORDER BY seq DESC LIMIT 50'

  it('by exact type: (tenant_id, type, seq)', async () => {
    const plan = await planAsReader(`${LIST} type = $2 ${PAGE}`, [TENANT_A, 'kind3.happened'])
    expectIndex(plan, 'tenant_id_type_seq_idx')
  })

  it('by type prefix, written as a range: (tenant_id, type, seq)', async () => {
    const plan = await planAsReader(`${LIST} type >= $2 AND type < $3 ${PAGE}`, [
      TENANT_A,
      'rare.',
      'rare/',
    ])
    expectIndex(plan, 'tenant_id_type_seq_idx')
  })

  it('by type prefix with LIKE: no index condition on type under RLS (LIKE is not leakproof)', async () => {
    const plan = await planAsReader(`${LIST} type LIKE $2 ${PAGE}`, [TENANT_A, 'rare.%'])
    expect(plan).not.toContain(`${partition}_tenant_id_type_seq_idx`)
    expect(plan).toMatch(/Filter: .*type ~~/)
  })

  it('by actor: (tenant_id, actor_id, seq)', async () => {
    const plan = await planAsReader(`${LIST} actor_id = $2 ${PAGE}`, [TENANT_A, 'user-12'])
    expectIndex(plan, 'tenant_id_actor_id_seq_idx')
  })

  it('by target: (tenant_id, target_type, target_id, seq)', async () => {
    const plan = await planAsReader(`${LIST} target_type = $2 AND target_id = $3 ${PAGE}`, [
      TENANT_A,
      'device',
      'dev-24',
    ])
    expectIndex(plan, 'tenant_id_target_type_target_id_seq_idx')
  })

  it('by occurred_at range: (tenant_id, occurred_at)', async () => {
    const to = new Date()
    const from = new Date(to.getTime() - 3_600_000)
    const plan = await planAsReader(`${LIST} occurred_at >= $2 AND occurred_at < $3 ${PAGE}`, [
      TENANT_A,
      from,
      to,
    ])
    expectIndex(plan, 'tenant_id_occurred_at_idx')
  })

  describe('by text', () => {
    const TEXT = "to_tsvector('simple', canonical) @@ plainto_tsquery('simple', $2)"

    it('filters the tenant’s rows reached through a tenant-leading index (@@ is not leakproof)', async () => {
      const plan = await planAsReader(`${LIST} ${TEXT} ${PAGE}`, [TENANT_A, 'word1200'])
      expect(plan).toMatch(new RegExp(`${partition}_(pkey|tenant_id_\\w+_idx)`))
      expect(plan).toMatch(/Filter: .*to_tsvector\('simple'::regconfig, canonical\) @@/)
      expect(plan).not.toMatch(new RegExp(`Seq Scan on ${partition}\\b`))
    })
  })
})
