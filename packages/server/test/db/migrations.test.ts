import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DbError } from '../../src/db/errors.js'
import {
  loadMigrations,
  migrate,
  MIGRATIONS_DIR,
  pendingMigrations,
} from '../../src/db/migrations.js'
import { openPostgres } from '../../src/db/postgres.js'
import { runMigrateCommand } from '../../src/migrate.js'
import {
  createPostgresDatabase,
  ENGINES,
  type PostgresTestDatabase,
  type TestDatabase,
} from '../support/databases.js'

describe('loadMigrations', () => {
  it('finds the package migrations/ folder from the module', () => {
    expect(existsSync(join(MIGRATIONS_DIR, '0001_roles.sql'))).toBe(true)
  })

  it('numbers the files 1, 2, 3, … with a SHA-256 checksum each', async () => {
    const migrations = await loadMigrations()
    expect(migrations.length).toBeGreaterThanOrEqual(6)
    migrations.forEach((m, i) => {
      expect(m.version).toBe(i + 1)
      expect(m.id).toBe(`${String(i + 1).padStart(4, '0')}_${m.name}`)
      expect(m.checksum).toMatch(/^[0-9a-f]{64}$/)
    })
  })
})

describe.each(ENGINES)('migrations on $name', ({ create }) => {
  let t: TestDatabase
  let ids: string[]

  beforeAll(async () => {
    t = await create({ migrate: false })
    ids = (await loadMigrations()).map((m) => m.id)
  })
  afterAll(() => t?.drop())

  it('lists every migration as pending on a fresh database', async () => {
    expect(await pendingMigrations(t.db)).toEqual(ids)
  })

  it('applies them all, in order, and records each with its checksum', async () => {
    expect(await migrate(t.db)).toEqual({ applied: ids })
    const rows = await t.db.adminQuery<{ version: number; name: string; checksum: string }>(
      'SELECT version, name, checksum FROM auditseal.schema_migrations ORDER BY version',
    )
    const files = await loadMigrations()
    expect(rows).toEqual(
      files.map((m) => ({ version: m.version, name: m.name, checksum: m.checksum })),
    )
    expect(await pendingMigrations(t.db)).toEqual([])
  })

  it('applies nothing when run again', async () => {
    expect(await migrate(t.db)).toEqual({ applied: [] })
  })

  it('makes auditseal_owner own every table and function', async () => {
    const owners = await t.db.adminQuery<{ name: string; owner: string }>(
      `SELECT relname AS name, relowner::regrole::text AS owner FROM pg_class
       WHERE relnamespace = 'auditseal'::regnamespace AND relkind IN ('r', 'p')
         AND relname <> 'schema_migrations'
       UNION ALL
       SELECT proname, proowner::regrole::text FROM pg_proc
       WHERE pronamespace = 'auditseal'::regnamespace`,
    )
    expect(owners.length).toBeGreaterThan(5)
    for (const row of owners) expect(row, row.name).toMatchObject({ owner: 'auditseal_owner' })
  })

  describe('when an applied migration file was edited', () => {
    it('refuses to migrate and says which file changed', async () => {
      await t.db.adminQuery(
        "UPDATE auditseal.schema_migrations SET checksum = 'f00d' WHERE version = 2",
      )
      try {
        const error = await migrate(t.db).catch((e: unknown) => e)
        expect(error).toBeInstanceOf(DbError)
        expect(error).toMatchObject({ code: 'MIGRATION_CHECKSUM_MISMATCH' })
        expect((error as Error).message).toMatch(/0002_log_tables\.sql was changed.*f00d/)
        await expect(pendingMigrations(t.db)).rejects.toMatchObject({
          code: 'MIGRATION_CHECKSUM_MISMATCH',
        })
      } finally {
        const [second] = await loadMigrations().then((m) => m.slice(1, 2))
        await t.db.adminQuery(
          'UPDATE auditseal.schema_migrations SET checksum = $1 WHERE version = 2',
          [second!.checksum],
        )
      }
    })
  })

  describe('when the database was migrated by a newer auditseal', () => {
    it('refuses to touch it', async () => {
      await t.db.adminQuery(
        "INSERT INTO auditseal.schema_migrations VALUES (999, 'future', 'x', now())",
      )
      try {
        await expect(migrate(t.db)).rejects.toMatchObject({ code: 'MIGRATION_UNKNOWN_VERSION' })
      } finally {
        await t.db.adminQuery('DELETE FROM auditseal.schema_migrations WHERE version = 999')
      }
    })
  })
})

// Only on the server: PGlite is a single in-process session whose queries are serialised by a
// mutex, so two migrate() calls there never overlap and could not exercise the advisory lock.
describe('two concurrent migrate() calls on one fresh PostgreSQL database', () => {
  let t: PostgresTestDatabase
  beforeAll(async () => {
    t = await createPostgresDatabase({ migrate: false })
  })
  afterAll(() => t?.drop())

  it('both succeed and each migration is applied once', async () => {
    const other = openPostgres(t.url, { max: 2 })
    try {
      const results = await Promise.all([migrate(t.db), migrate(other)])
      const applied = results.flatMap((r) => r.applied).sort()
      const ids = (await loadMigrations()).map((m) => m.id)
      expect(applied).toEqual(ids)
      const rows = await t.db.adminQuery<{ count: number }>(
        'SELECT count(*) AS count FROM auditseal.schema_migrations',
      )
      expect(rows).toEqual([{ count: ids.length }])
    } finally {
      await other.close()
    }
  })
})

describe('two `auditseal migrate` at once on a fresh PostgreSQL database', () => {
  // Each looks for pending migrations first, then migrates: the second, after waiting for the
  // lock, once met the first one's objects as missing (its catalog caches from the first
  // look) and failed creating them. Several databases, as the race was hit one time in two.
  it('both succeed, on each of four databases', async () => {
    for (let round = 0; round < 4; round++) {
      const t = await createPostgresDatabase({ migrate: false })
      try {
        const quiet = () => {}
        await Promise.all([
          runMigrateCommand({ databaseUrl: t.url, print: quiet }),
          runMigrateCommand({ databaseUrl: t.url, print: quiet }),
        ])
        expect(await pendingMigrations(t.db)).toEqual([])
      } finally {
        await t.drop()
      }
    }
  })
})

describe('runMigrateCommand', () => {
  let t: PostgresTestDatabase
  beforeAll(async () => {
    t = await createPostgresDatabase({ migrate: false })
  })
  afterAll(() => t?.drop())

  it('prints each applied migration, then that the database is up to date', async () => {
    const lines: string[] = []
    await runMigrateCommand({ databaseUrl: t.url, print: (line) => lines.push(line) })
    expect(lines[0]).toBe('applied 0001_roles')
    expect(lines.at(-1)).toMatch(/^auditseal migrate: \d+ migration\(s\) applied$/)

    lines.length = 0
    await runMigrateCommand({ databaseUrl: t.url, print: (line) => lines.push(line) })
    expect(lines).toEqual(['auditseal migrate: the database is up to date'])
  })
})
