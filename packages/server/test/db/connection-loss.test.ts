// A connection lost in the middle of a transaction (server restart, terminated backend) fails
// that transaction only: no unhandled 'error' event takes the process down, and the pool
// serves the next transaction on a fresh connection.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPostgresDatabase, type PostgresTestDatabase } from '../support/databases.js'

describe('losing the connection during a transaction on PostgreSQL', () => {
  let t: PostgresTestDatabase

  beforeAll(async () => {
    t = await createPostgresDatabase()
  })
  afterAll(async () => t?.drop())

  it('rejects that transaction and keeps the pool usable', async () => {
    const marker = `connection_loss_${Date.now()}`
    const pending = t.db.roleTransaction('reader', (sql) =>
      sql.query(`SELECT pg_sleep(10) AS ${marker}`),
    )
    // It rejects while the loop below still waits on its own query: handled from the start,
    // or Node reports the rejection as unhandled before the assertion gets to it.
    pending.catch(() => {})
    // Wait until the backend runs the statement, then kill it as an administrator would.
    let terminated = false
    for (let i = 0; i < 100 && !terminated; i++) {
      const rows = await t.db.adminQuery<{ ok: boolean }>(
        `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
         WHERE query LIKE $1 AND pid <> pg_backend_pid()`,
        [`%AS ${marker}%`],
      )
      terminated = rows.some((r) => r.ok)
      if (!terminated) await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(terminated).toBe(true)
    await expect(pending).rejects.toThrow()
    const rows = await t.db.roleTransaction('reader', (sql) =>
      sql.query<{ one: number }>('SELECT 1 AS one'),
    )
    expect(rows).toEqual([{ one: 1 }])
  })
})
