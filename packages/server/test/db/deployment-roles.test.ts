// The production setup on a PostgreSQL server, without a superuser at run time:
//   - a migrating role that owns the database and has CREATEROLE runs the migrations;
//   - the application logs in as a NOINHERIT role granted auditseal_writer and
//     auditseal_reader, so it holds no privilege until a transaction SETs LOCAL ROLE.
// Only on the server: PGlite has a single superuser session.

import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../../src/db/database.js'
import { migrate } from '../../src/db/migrations.js'
import { openPostgres } from '../../src/db/postgres.js'
import { ADMIN_URL, withAdminClient } from '../support/databases.js'
import { insertLogRows, TENANT_A } from './rows.js'
import { buildApp } from '../../src/http/index.js'
import { testAuditLog } from '../support/audit-log.js'
import { apiError, testConfig } from '../http/support.js'

describe('a deployment with a migrating database owner and an application login role', () => {
  const suffix = randomBytes(5).toString('hex')
  const database = `auditseal_test_${suffix}`
  const migrator = `auditseal_test_migrator_${suffix}`
  const app = `auditseal_test_app_${suffix}`
  const urlAs = (user: string) => {
    const url = new URL(ADMIN_URL)
    url.username = user
    url.password = ''
    url.pathname = `/${database}`
    return url.toString()
  }
  let asMigrator: Database
  let asApp: Database

  beforeAll(async () => {
    await withAdminClient(ADMIN_URL, async (client) => {
      await client.query(`CREATE ROLE ${migrator} LOGIN CREATEROLE`)
      await client.query(`CREATE ROLE ${app} LOGIN NOINHERIT`)
      await client.query(`CREATE DATABASE ${database} OWNER ${migrator}`)
    })
    asMigrator = openPostgres(urlAs(migrator), { max: 1 })
    asApp = openPostgres(urlAs(app), { max: 2 })
  })
  afterAll(async () => {
    await asMigrator?.close()
    await asApp?.close()
    await withAdminClient(ADMIN_URL, async (client) => {
      await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
      await client.query(`DROP ROLE IF EXISTS ${app}`)
      await client.query(`DROP ROLE IF EXISTS ${migrator}`)
    })
  })

  it('the database owner migrates, and auditseal_owner still owns the objects', async () => {
    const { applied } = await migrate(asMigrator)
    expect(applied.length).toBeGreaterThan(0)
    const owners = await asMigrator.adminQuery<{ owner: string }>(
      `SELECT DISTINCT relowner::regrole::text AS owner FROM pg_class
       WHERE relnamespace = 'auditseal'::regnamespace AND relkind IN ('r', 'p')
         AND relname <> 'schema_migrations'`,
    )
    expect(owners).toEqual([{ owner: 'auditseal_owner' }])
  })

  it('the application writes and reads through SET LOCAL ROLE once it is granted the roles', async () => {
    await withAdminClient(ADMIN_URL, (client) =>
      client.query(`GRANT auditseal_writer, auditseal_reader TO ${app}`),
    )
    await asApp.tenantTransaction('writer', TENANT_A, (sql) => insertLogRows(sql, TENANT_A, 2))
    const rows = await asApp.tenantTransaction('reader', TENANT_A, (sql) =>
      sql.query<{ seq: number }>('SELECT seq FROM auditseal.audit_events ORDER BY seq'),
    )
    expect(rows).toEqual([{ seq: 0 }, { seq: 1 }])
  })

  it('the application login is told by /readyz that it is ready, and when a migration is pending', async () => {
    const app = await buildApp({
      config: testConfig(),
      store: { write: asApp, read: asApp, close: async () => {} },
      log: testAuditLog(asApp),
      logger: false,
    })
    try {
      const ready = await app.inject({ url: '/readyz' })
      expect(ready.statusCode, ready.body).toBe(200)
      // As if the newest migration had not run: the reader sees it pending.
      const [newest] = await asMigrator.adminQuery<Record<string, unknown>>(
        `DELETE FROM auditseal.schema_migrations
         WHERE version = (SELECT max(version) FROM auditseal.schema_migrations) RETURNING *`,
      )
      try {
        const pending = await app.inject({ url: '/readyz' })
        expect(pending.statusCode).toBe(503)
        expect(apiError(pending).message).toMatch(/^migrations pending: 00\d\d_/)
      } finally {
        await asMigrator.adminQuery(
          `INSERT INTO auditseal.schema_migrations SELECT * FROM json_populate_record(NULL::auditseal.schema_migrations, $1)`,
          [JSON.stringify(newest)],
        )
      }
    } finally {
      await app.close()
    }
  })

  it('the application role alone (NOINHERIT) can read nothing', async () => {
    await expect(asApp.adminQuery('SELECT * FROM auditseal.audit_events')).rejects.toThrow(
      /permission denied/,
    )
  })

  it('the application cannot become the owner', async () => {
    const error = await asApp
      .adminTransaction((sql) => sql.query('SET LOCAL ROLE auditseal_owner'))
      .catch((e: unknown) => e)
    expect((error as Error).message).toMatch(/permission denied to set role/)
  })
})
