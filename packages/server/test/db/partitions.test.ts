import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ENGINES, type TestDatabase, withAdminClient } from '../support/databases.js'
import type { PostgresTestDatabase } from '../support/databases.js'
import { insertEvent, TENANT_A, TENANT_B } from './rows.js'

describe.each(ENGINES)('ensure_event_partition on $name', ({ name, create }) => {
  let t: TestDatabase

  beforeAll(async () => {
    t = await create()
  })
  afterAll(() => t?.drop())

  function ensure(ts: string | Date): Promise<string> {
    return t.db.roleTransaction('writer', async (sql) => {
      const [row] = await sql.query<{ name: string }>(
        'SELECT auditseal.ensure_event_partition($1) AS name',
        [ts],
      )
      return row!.name
    })
  }

  it('the migration made the current UTC month and the next two', async () => {
    const rows = await t.db.adminQuery<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'auditseal.audit_events'::regclass ORDER BY 1`,
    )
    const now = new Date()
    const month = (ahead: number) => {
      const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + ahead, 1))
      return `audit_events_p${d.getUTCFullYear()}_${String(d.getUTCMonth() + 1).padStart(2, '0')}`
    }
    expect(rows.map((r) => r.name)).toEqual([month(0), month(1), month(2)])
  })

  it('lets the writer create a month’s partition, once', async () => {
    expect(await ensure('2031-05-17T12:00:00Z')).toBe('audit_events_p2031_05')
    expect(await ensure('2031-05-01T00:00:00Z')).toBe('audit_events_p2031_05')
    const [bounds] = await t.db.adminQuery<{ bound: string }>(
      `SELECT pg_get_expr(relpartbound, oid) AS bound FROM pg_class
       WHERE oid = 'auditseal.audit_events_p2031_05'::regclass`,
    )
    expect(bounds?.bound).toMatch(
      /FROM \('2031-05-01 00:00:00\+00'\) TO \('2031-06-01 00:00:00\+00'\)/,
    )
  })

  it('takes the month in UTC, whatever the session time zone', async () => {
    // 2031-07-31 21:30 in New York is 2031-08-01 01:30 UTC.
    const name = await t.db.roleTransaction('writer', async (sql) => {
      await sql.query("SET LOCAL TimeZone = 'America/New_York'")
      const [row] = await sql.query<{ name: string }>(
        "SELECT auditseal.ensure_event_partition('2031-07-31 21:30:00-04') AS name",
      )
      return row!.name
    })
    expect(name).toBe('audit_events_p2031_08')
  })

  it('gives the partition ENABLE ALWAYS triggers: the cloned row one and its own statement one', async () => {
    const triggers = await t.db.adminQuery<{ name: string; enabled: string }>(
      `SELECT tgname AS name, tgenabled AS enabled FROM pg_trigger
       WHERE tgrelid = 'auditseal.audit_events_p2031_05'::regclass ORDER BY 1`,
    )
    expect(triggers).toEqual([
      { name: 'audit_events_append_only', enabled: 'A' },
      { name: 'audit_events_append_only_row', enabled: 'A' },
    ])
  })

  it('gives the partition forced RLS, the tenant policies and the parent’s grants', async () => {
    const [rel] = await t.db.adminQuery<{ rls: boolean; forced: boolean; owner: string }>(
      `SELECT relrowsecurity AS rls, relforcerowsecurity AS forced, relowner::regrole::text AS owner
       FROM pg_class WHERE oid = 'auditseal.audit_events_p2031_05'::regclass`,
    )
    expect(rel).toEqual({ rls: true, forced: true, owner: 'auditseal_owner' })
    const policies = await t.db.adminQuery<{ policyname: string; roles: string[] }>(
      `SELECT policyname, roles::text[] AS roles FROM pg_policies
       WHERE schemaname = 'auditseal' AND tablename = 'audit_events_p2031_05' ORDER BY 1`,
    )
    expect(policies).toEqual([
      { policyname: 'tenant_reader', roles: ['auditseal_reader'] },
      { policyname: 'tenant_writer', roles: ['auditseal_writer'] },
    ])
    const grants = await t.db.adminQuery<{ grantee: string; privilege: string }>(
      `SELECT grantee, privilege_type AS privilege FROM information_schema.role_table_grants
       WHERE table_schema = 'auditseal' AND table_name = 'audit_events_p2031_05'
         AND grantee LIKE 'auditseal\\_%' AND grantee <> 'auditseal_owner' ORDER BY 1, 2`,
    )
    expect(grants).toEqual([
      { grantee: 'auditseal_reader', privilege: 'SELECT' },
      { grantee: 'auditseal_writer', privilege: 'INSERT' },
      { grantee: 'auditseal_writer', privilege: 'SELECT' },
    ])
  })

  it('gives every tenant policy, on tables and partitions, the setting read once per statement', async () => {
    const policies = await t.db.adminQuery<{ table: string; qual: string; check: string | null }>(
      `SELECT tablename AS table, qual, with_check AS check FROM pg_policies
       WHERE schemaname = 'auditseal' AND policyname IN ('tenant_writer', 'tenant_reader')`,
    )
    expect(policies.map((p) => p.table)).toContain('audit_events_p2031_05')
    expect(policies.length).toBeGreaterThanOrEqual(14)
    for (const policy of policies) {
      for (const expression of [policy.qual, policy.check ?? policy.qual]) {
        // A scalar subquery (an InitPlan), not a per-row call.
        expect(expression).toMatch(/^\(tenant_id = \( SELECT/)
      }
    }
  })

  it('routes rows of that month into it, still tenant-scoped, also read directly', async () => {
    const recordedAt = new Date('2031-05-20T08:00:00Z')
    await t.db.tenantTransaction('writer', TENANT_A, (sql) =>
      insertEvent(sql, TENANT_A, { seq: 0, recordedAt }),
    )
    await t.db.tenantTransaction('writer', TENANT_B, (sql) =>
      insertEvent(sql, TENANT_B, { seq: 0, recordedAt }),
    )
    const direct = await t.db.tenantTransaction('reader', TENANT_A, (sql) =>
      sql.query<{ tenant_id: string; recorded_at: Date }>(
        'SELECT tenant_id, recorded_at FROM auditseal.audit_events_p2031_05',
      ),
    )
    expect(direct).toEqual([{ tenant_id: TENANT_A, recorded_at: recordedAt }])
  })

  it('refuses a row whose month has no partition', async () => {
    const error = await t.db
      .tenantTransaction('writer', TENANT_A, (sql) =>
        insertEvent(sql, TENANT_A, { seq: 1, recordedAt: new Date('2040-01-01T00:00:00Z') }),
      )
      .catch((e: unknown) => e)
    expect((error as Error).message).toMatch(/no partition of relation "audit_events" found/)
  })

  // PGlite is one backend: its calls cannot overlap, so there is no race to lose there.
  it.runIf(name === 'postgres')(
    'lets several sealers make the same new month at once',
    async () => {
      // Each month is new; the four calls wait on each other's creation lock (migration 0012:
      // the ones that waited used to fail with "relation already exists").
      for (let month = 1; month <= 10; month++) {
        const when = `2050-${String(month).padStart(2, '0')}-15T00:00:00Z`
        const names = await Promise.all([0, 1, 2, 3].map(() => ensure(when)))
        expect(names).toEqual(Array(4).fill(`audit_events_p2050_${String(month).padStart(2, '0')}`))
      }
    },
  )

  it('is not the reader’s to call', async () => {
    const error = await t.db
      .roleTransaction('reader', (sql) =>
        sql.query("SELECT auditseal.ensure_event_partition('2032-01-01Z')"),
      )
      .catch((e: unknown) => e)
    expect((error as Error).message).toMatch(/permission denied for function/)
  })

  // docs/storage.md, "Index density": a month that is over gets its indexes rebuilt packed.
  it('lets the owner rebuild a month’s indexes, rows and their hashes untouched', async () => {
    const when = new Date('2031-03-10T12:00:00Z')
    await ensure(when)
    await t.db.tenantTransaction('writer', TENANT_A, async (sql) => {
      for (let seq = 0; seq < 50; seq++) await insertEvent(sql, TENANT_A, { seq, recordedAt: when })
    })
    const rows = () =>
      t.db.adminQuery<{ seq: string; canonical: string; leaf_hash: unknown }>(
        'SELECT seq, canonical, leaf_hash FROM auditseal.audit_events_p2031_03 ORDER BY seq',
      )
    const before = await rows()
    const table = 'auditseal.audit_events_p2031_03'
    if (name === 'postgres') {
      // As the role that owns the tables (a member of it may do the same), without blocking
      // writers: CONCURRENTLY, which cannot run inside a transaction.
      await withAdminClient((t as PostgresTestDatabase).url, async (client) => {
        await client.query('SET ROLE auditseal_owner')
        await client.query(`REINDEX TABLE CONCURRENTLY ${table}`)
      })
    } else {
      // PGlite is one backend, which no other session waits on: a plain REINDEX.
      await t.db.adminTransaction(async (sql) => {
        await sql.query('SET LOCAL ROLE auditseal_owner')
        await sql.query(`REINDEX TABLE ${table}`)
      })
    }
    expect(await rows()).toEqual(before)
    expect(before).toHaveLength(50)
    // The rebuilt indexes serve the tenant's reads as before.
    const seqs = await t.db.tenantTransaction('reader', TENANT_A, (sql) =>
      sql.query<{ seq: string }>(
        `SELECT seq FROM auditseal.audit_events WHERE tenant_id = $1 AND actor_id = 'user-1'
         AND recorded_at >= '2031-03-01Z' AND recorded_at < '2031-04-01Z' ORDER BY seq`,
        [TENANT_A],
      ),
    )
    expect(seqs.map((r) => Number(r.seq))).toEqual(Array.from({ length: 50 }, (_, i) => i))
  })
})
