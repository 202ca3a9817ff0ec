import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pendingMigrations } from '../../src/db/migrations.js'
import { openStore } from '../../src/db/store.js'
import {
  ADMIN_URL,
  createPostgresDatabase,
  type PostgresTestDatabase,
} from '../support/databases.js'
import { startReplica, type Replica } from '../support/replica.js'
import { insertLogRows, TENANT_A } from './rows.js'

describe('openStore', () => {
  it('needs a database URL or a data directory, and a read URL only beside a write URL', async () => {
    await expect(openStore({})).rejects.toMatchObject({ code: 'STORE_CONFIG_INVALID' })
    await expect(openStore({ dataDir: '/nonexistent', readUrl: ADMIN_URL })).rejects.toMatchObject({
      code: 'STORE_CONFIG_INVALID',
    })
  })

  describe('with a data directory (the embedded default)', () => {
    let dir: string
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'auditseal-store-'))
    })
    afterAll(() => rm(dir, { recursive: true, force: true }))

    it('opens PGlite, migrates it, reads and writes through one database, and lets go on close', async () => {
      const store = await openStore({ dataDir: join(dir, 'data') })
      expect(store.write.engine).toBe('pglite')
      expect(store.read).toBe(store.write)
      expect(await pendingMigrations(store.write)).toEqual([])
      await store.close()

      const again = await openStore({ dataDir: join(dir, 'data') }) // the lock was released
      await again.close()
    })
  })

  describe('with a write URL only', () => {
    let t: PostgresTestDatabase
    beforeAll(async () => {
      t = await createPostgresDatabase({ migrate: false })
    })
    afterAll(() => t?.drop())

    it('reads through the write pool and leaves migrating to `auditseal migrate`', async () => {
      const store = await openStore({ writeUrl: t.url })
      try {
        expect(store.write.engine).toBe('postgres')
        expect(store.read).toBe(store.write)
        expect((await pendingMigrations(store.write)).length).toBeGreaterThan(0)
      } finally {
        await store.close()
      }
    })

    it('migrates on open when asked', async () => {
      const store = await openStore({ writeUrl: t.url, migrate: true })
      try {
        expect(await pendingMigrations(store.write)).toEqual([])
      } finally {
        await store.close()
      }
    })
  })

  describe('with a write URL and the read URL of a streaming replica', () => {
    let t: PostgresTestDatabase
    let replica: Replica

    beforeAll(async () => {
      t = await createPostgresDatabase()
      replica = await startReplica({ primaryUrl: ADMIN_URL })
    })
    afterAll(async () => {
      await replica?.stop()
      await t?.drop()
    })

    it('writes to the primary and reads, as the reader role, from the replica', async () => {
      const store = await openStore({ writeUrl: t.url, readUrl: replica.url(t.name) })
      try {
        expect(store.read).not.toBe(store.write)
        await store.write.tenantTransaction('writer', TENANT_A, (sql) =>
          insertLogRows(sql, TENANT_A, 2),
        )
        await replica.waitForReplay()

        const recovery = async (db: typeof store.read) =>
          (await db.adminQuery<{ r: boolean }>('SELECT pg_is_in_recovery() AS r'))[0]?.r
        expect(await recovery(store.write)).toBe(false)
        expect(await recovery(store.read)).toBe(true)

        const rows = await store.read.tenantTransaction('reader', TENANT_A, (sql) =>
          sql.query<{ seq: number; role: string }>(
            'SELECT seq, current_user AS role FROM auditseal.audit_events ORDER BY seq',
          ),
        )
        expect(rows).toEqual([
          { seq: 0, role: 'auditseal_reader' },
          { seq: 1, role: 'auditseal_reader' },
        ])
      } finally {
        await store.close()
      }
    })
  })
})
