import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AdminSql } from '../../src/db/database.js'
import { ENGINES, type TestDatabase } from '../support/databases.js'
import { insertLogRows, TENANT_A } from './rows.js'

const APPEND_ONLY_TABLES = ['audit_events', 'audit_tree_nodes', 'audit_checkpoints'] as const

const CHANGES = {
  UPDATE: (table: string) => `UPDATE auditseal.${table} SET tenant_id = tenant_id`,
  DELETE: (table: string) => `DELETE FROM auditseal.${table}`,
  TRUNCATE: (table: string) => `TRUNCATE auditseal.${table}`,
} as const

describe.each(ENGINES)('append-only log tables on $name', ({ create }) => {
  let t: TestDatabase
  let partition: string

  beforeAll(async () => {
    t = await create()
    await t.db.tenantTransaction('writer', TENANT_A, (sql) => insertLogRows(sql, TENANT_A, 3))
    const [row] = await t.db.adminQuery<{ name: string }>(
      'SELECT auditseal.ensure_event_partition(now()) AS name',
    )
    partition = row!.name
  })
  afterAll(() => t?.drop())

  /** Runs `statement` as the connecting superuser after `setup`, in a rolled-back transaction. */
  async function asAdmin(setup: string[], statement: string): Promise<unknown> {
    return t.db
      .adminTransaction(async (sql: AdminSql) => {
        for (const line of setup) await sql.query(line)
        await sql.query(statement)
        throw new Error(`${statement} was allowed`)
      })
      .catch((error: unknown) => error)
  }

  async function counts(): Promise<number[]> {
    return Promise.all(
      APPEND_ONLY_TABLES.map(async (table) => {
        const rows = await t.db.adminQuery<{ n: number }>(
          `SELECT count(*) AS n FROM auditseal.${table}`,
        )
        return rows[0]!.n
      }),
    )
  }

  describe.each(APPEND_ONLY_TABLES)('%s', (table) => {
    describe.each(Object.keys(CHANGES) as (keyof typeof CHANGES)[])('%s', (op) => {
      const statement = CHANGES[op](table)

      it('is refused to the owner by the append-only trigger', async () => {
        const error = await asAdmin(['SET LOCAL ROLE auditseal_owner'], statement)
        expect(error).toMatchObject({
          message: `auditseal: ${table} is append-only: ${op} is not allowed`,
          code: '42501',
        })
      })

      it('is refused to a superuser under session_replication_role = replica', async () => {
        const error = await asAdmin(['SET LOCAL session_replication_role = replica'], statement)
        expect((error as Error).message).toContain('append-only')
      })

      it.each(['writer', 'reader'] as const)(
        'is refused to the %s (no privilege: the check before any trigger)',
        async (role) => {
          const error = await t.db
            .tenantTransaction(role, TENANT_A, (sql) => sql.query(statement))
            .catch((e: unknown) => e)
          expect((error as Error).message).toMatch(/permission denied for table/)
        },
      )
    })

    it('still holds every row', async () => {
      expect(await counts()).toEqual([3, 1, 1])
    })
  })

  describe('an audit_events partition, addressed directly', () => {
    it.each(Object.keys(CHANGES) as (keyof typeof CHANGES)[])(
      'refuses %s to the owner',
      async (op) => {
        const error = await asAdmin(['SET LOCAL ROLE auditseal_owner'], CHANGES[op](partition))
        expect((error as Error).message).toBe(
          `auditseal: ${partition} is append-only: ${op} is not allowed`,
        )
      },
    )

    it('refuses a superuser UPDATE of its rows under session_replication_role = replica', async () => {
      const error = await asAdmin(
        ['SET LOCAL session_replication_role = replica'],
        `UPDATE auditseal.${partition} SET type = 'x.y' WHERE seq = 0`,
      )
      expect((error as Error).message).toContain('append-only')
    })
  })

  describe('the row trigger alone (statement triggers set aside)', () => {
    it('still refuses a superuser UPDATE and DELETE of rows', async () => {
      for (const statement of [
        `UPDATE auditseal.audit_events SET type = 'x.y' WHERE seq = 0`,
        `DELETE FROM auditseal.audit_tree_nodes`,
      ]) {
        const table = statement.includes('audit_events') ? 'audit_events' : 'audit_tree_nodes'
        const error = await asAdmin(
          [`ALTER TABLE auditseal.${table} DISABLE TRIGGER ${table}_append_only`],
          statement,
        )
        expect((error as Error).message).toContain('append-only')
      }
    })
  })

  describe('audit_heads', () => {
    it('lets the writer update its tenant’s head', async () => {
      const rows = await t.db.tenantTransaction('writer', TENANT_A, (sql) =>
        sql.query<{ size: number }>(
          `UPDATE auditseal.audit_heads SET size = size, updated_at = now() RETURNING size`,
        ),
      )
      expect(rows).toEqual([{ size: 3 }])
    })

    it.each(['DELETE FROM auditseal.audit_heads', 'TRUNCATE auditseal.audit_heads'])(
      'refuses "%s" to the owner',
      async (statement) => {
        const error = await asAdmin(['SET LOCAL ROLE auditseal_owner'], statement)
        expect((error as Error).message).toMatch(
          /^auditseal: audit_heads is delete-protected: (DELETE|TRUNCATE) is not allowed$/,
        )
      },
    )

    it('refuses DELETE to a superuser under session_replication_role = replica', async () => {
      const error = await asAdmin(
        ['SET LOCAL session_replication_role = replica'],
        'DELETE FROM auditseal.audit_heads',
      )
      expect((error as Error).message).toContain('delete-protected')
    })

    it('refuses DELETE to the writer, which has no such privilege', async () => {
      const error = await t.db
        .tenantTransaction('writer', TENANT_A, (sql) =>
          sql.query('DELETE FROM auditseal.audit_heads'),
        )
        .catch((e: unknown) => e)
      expect((error as Error).message).toMatch(/permission denied for table audit_heads/)
    })

    it('does not let the writer move a head to another tenant', async () => {
      const error = await t.db
        .tenantTransaction('writer', TENANT_A, (sql) =>
          sql.query(`UPDATE auditseal.audit_heads SET tenant_id = gen_random_uuid()`),
        )
        .catch((e: unknown) => e)
      expect((error as Error).message).toMatch(/permission denied for table audit_heads/)
    })
  })

  it('lets the reader read but not INSERT', async () => {
    const error = await t.db
      .tenantTransaction('reader', TENANT_A, (sql) =>
        sql.query(
          `INSERT INTO auditseal.audit_tree_nodes (tenant_id, first_idx, hashes) VALUES ($1, 99, '\\x00')`,
          [TENANT_A],
        ),
      )
      .catch((e: unknown) => e)
    expect((error as Error).message).toMatch(/permission denied for table audit_tree_nodes/)
  })
})
