import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DbError } from '../../src/db/errors.js'
import { ENGINES, type TestDatabase } from '../support/databases.js'
import { insertEvent, insertLogRows, LOG_TABLES, TENANT_A, TENANT_B } from './rows.js'

describe.each(ENGINES)('tenant isolation on $name', ({ create }) => {
  let t: TestDatabase

  beforeAll(async () => {
    t = await create()
    await t.db.tenantTransaction('writer', TENANT_A, (sql) => insertLogRows(sql, TENANT_A, 2))
    await t.db.tenantTransaction('writer', TENANT_B, (sql) => insertLogRows(sql, TENANT_B, 3))
  })
  afterAll(() => t?.drop())

  async function tenantsSeen(
    scope: (table: string) => Promise<{ tenant_id: string }[]>,
  ): Promise<Record<string, string[]>> {
    const seen: Record<string, string[]> = {}
    for (const table of LOG_TABLES) {
      seen[table] = [...new Set((await scope(table)).map((r) => r.tenant_id))]
    }
    return seen
  }

  it.each(['reader', 'writer'] as const)(
    'a %s scoped to tenant A sees only A’s rows in every table',
    async (role) => {
      const seen = await tenantsSeen((table) =>
        t.db.tenantTransaction(role, TENANT_A, (sql) =>
          sql.query(`SELECT tenant_id FROM auditseal.${table}`),
        ),
      )
      for (const table of LOG_TABLES) expect(seen[table], table).toEqual([TENANT_A])
    },
  )

  it('a reader scoped to tenant B sees B’s three events', async () => {
    const rows = await t.db.tenantTransaction('reader', TENANT_B, (sql) =>
      sql.query<{ seq: number }>('SELECT seq FROM auditseal.audit_events ORDER BY seq'),
    )
    expect(rows).toEqual([{ seq: 0 }, { seq: 1 }, { seq: 2 }])
  })

  it.each(['reader', 'writer'] as const)('a %s with no tenant scope sees nothing', async (role) => {
    const seen = await tenantsSeen((table) =>
      t.db.roleTransaction(role, (sql) => sql.query(`SELECT tenant_id FROM auditseal.${table}`)),
    )
    for (const table of LOG_TABLES) expect(seen[table], table).toEqual([])
  })

  it('the scope does not outlive its transaction', async () => {
    await t.db.tenantTransaction('reader', TENANT_A, async () => undefined)
    const rows = await t.db.roleTransaction('reader', (sql) =>
      sql.query<{ tenant: string | null; role: string }>(
        "SELECT current_setting('app.tenant_id', true) AS tenant, current_user AS role",
      ),
    )
    expect(rows[0]?.tenant ?? '').toBe('')
    expect(rows[0]?.role).toBe('auditseal_reader')
    const [admin] = await t.db.adminQuery<{ role: string }>('SELECT current_user AS role')
    expect(admin?.role).not.toMatch(/^auditseal_/)
  })

  it('a writer scoped to A cannot insert a row for B', async () => {
    const error = await t.db
      .tenantTransaction('writer', TENANT_A, (sql) => insertEvent(sql, TENANT_B, { seq: 50 }))
      .catch((e: unknown) => e)
    expect((error as Error).message).toMatch(/violates row-level security policy/)
  })

  it('a writer scoped to A cannot update B’s head', async () => {
    const rows = await t.db.tenantTransaction('writer', TENANT_A, (sql) =>
      sql.query('UPDATE auditseal.audit_heads SET size = 0 WHERE tenant_id = $1 RETURNING size', [
        TENANT_B,
      ]),
    )
    expect(rows).toEqual([])
  })

  it('rolls the whole transaction back when the callback throws', async () => {
    const error = await t.db
      .tenantTransaction('writer', TENANT_A, async (sql) => {
        await insertEvent(sql, TENANT_A, { seq: 77 })
        throw new Error('boom')
      })
      .catch((e: unknown) => e)
    expect((error as Error).message).toBe('boom')
    const rows = await t.db.tenantTransaction('reader', TENANT_A, (sql) =>
      sql.query('SELECT seq FROM auditseal.audit_events WHERE seq = 77'),
    )
    expect(rows).toEqual([])
  })

  it('does not report success when the callback swallowed a database error', async () => {
    const outcome = await t.db
      .tenantTransaction('writer', TENANT_A, async (sql) => {
        await insertEvent(sql, TENANT_A, { seq: 88 })
        await sql.query('SELECT 1 / 0').catch(() => undefined)
        return 'committed?'
      })
      .catch((e: unknown) => e)
    expect(outcome).toBeInstanceOf(Error)
    const rows = await t.db.tenantTransaction('reader', TENANT_A, (sql) =>
      sql.query('SELECT seq FROM auditseal.audit_events WHERE seq = 88'),
    )
    expect(rows).toEqual([])
  })

  it('refuses a tenant id that is not a lowercase UUID, before any query', async () => {
    for (const bad of [TENANT_A.toUpperCase(), 'tenant-a', `${TENANT_A}'; --`, '']) {
      const error = await t.db
        .tenantTransaction('reader', bad, async () => 'ran')
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(DbError)
      expect(error).toMatchObject({ code: 'INVALID_TENANT_ID' })
    }
  })

  it('refuses a role that is not writer or reader', async () => {
    const error = await t.db
      .roleTransaction('owner' as 'reader', async () => 'ran')
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'INVALID_ROLE' })
  })

  describe('tenants_needing_checkpoint', () => {
    it('returns the heads of all tenants that grew past their checkpoint', async () => {
      await t.db.tenantTransaction('writer', TENANT_B, (sql) =>
        sql.query('UPDATE auditseal.audit_heads SET checkpoint_size = size'),
      )
      const rows = await t.db.roleTransaction('writer', (sql) =>
        sql.query<{
          tenant_id: string
          size: number
          root_hash: Uint8Array
          checkpoint_size: number
        }>('SELECT * FROM auditseal.tenants_needing_checkpoint($1)', [100]),
      )
      expect(rows).toEqual([
        { tenant_id: TENANT_A, size: 2, root_hash: new Uint8Array(32).fill(7), checkpoint_size: 0 },
      ])

      await t.db.tenantTransaction('writer', TENANT_B, (sql) =>
        sql.query('UPDATE auditseal.audit_heads SET size = size + 1'),
      )
      const both = await t.db.roleTransaction('writer', (sql) =>
        sql.query<{ tenant_id: string }>(
          'SELECT tenant_id FROM auditseal.tenants_needing_checkpoint($1)',
          [100],
        ),
      )
      expect(both.map((r) => r.tenant_id).sort()).toEqual([TENANT_A, TENANT_B])

      const one = await t.db.roleTransaction('writer', (sql) =>
        sql.query('SELECT * FROM auditseal.tenants_needing_checkpoint(1)'),
      )
      expect(one).toHaveLength(1)
    })

    it('is not the reader’s to call', async () => {
      const error = await t.db
        .roleTransaction('reader', (sql) =>
          sql.query('SELECT * FROM auditseal.tenants_needing_checkpoint(10)'),
        )
        .catch((e: unknown) => e)
      expect((error as Error).message).toMatch(/permission denied for function/)
    })
  })
})
