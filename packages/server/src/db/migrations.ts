import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { AdminSql, Database } from './database.js'
import { DbError } from './errors.js'

/** The package's migrations/ folder: this module is in src/db or dist/db, two levels below. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url))

/** Serialises migration runs on one database (advisory locks are per database). */
const MIGRATION_LOCK_KEY = '7305990120384500001'

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/

export interface Migration {
  version: number
  /** `0001_roles` — the file name without `.sql`. */
  id: string
  name: string
  checksum: string
  sql: string
}

interface AppliedRow {
  version: number
  name: string
  checksum: string
}

/**
 * loadMigrations reads `NNNN_name.sql` files in version order. Versions must run 1, 2, 3, …
 * without gaps or repeats. The checksum is the SHA-256 of the text with CRLF read as LF.
 */
export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.sql')).sort()
  const migrations: Migration[] = []
  for (const file of files) {
    const match = FILE_NAME.exec(file)
    if (match === null) {
      throw new DbError('MIGRATION_FILE_INVALID', `migration file ${file} is not NNNN_name.sql`)
    }
    const version = Number(match[1])
    if (version !== migrations.length + 1) {
      throw new DbError(
        'MIGRATION_FILE_INVALID',
        `migration ${file} has version ${version}; expected ${migrations.length + 1}`,
      )
    }
    const sql = (await readFile(join(dir, file), 'utf8')).replace(/\r\n/g, '\n')
    const checksum = createHash('sha256').update(sql).digest('hex')
    migrations.push({ version, id: file.slice(0, -4), name: match[2]!, checksum, sql })
  }
  return migrations
}

/**
 * migrate applies the pending migrations in order, each in its own transaction under a
 * transaction-level advisory lock, and records each in auditseal.schema_migrations. Two
 * processes may run it at once: the second waits, then finds the work done. An applied file
 * whose checksum changed is an error, and so is a database migrated by a newer auditseal.
 */
export async function migrate(db: Database): Promise<{ applied: string[] }> {
  const migrations = await loadMigrations()
  const pending = await afterRaces(() =>
    db.adminTransaction(async (sql) => {
      await lockAndBootstrap(sql)
      return pendingOf(migrations, await appliedRows(sql))
    }),
  )
  const applied: string[] = []
  for (const migration of pending) {
    const done = await afterRaces(() =>
      db.adminTransaction(async (sql) => {
        await lockAndBootstrap(sql)
        const row = (await appliedRows(sql)).find((r) => r.version === migration.version)
        if (row !== undefined) {
          assertSameChecksum(migration, row) // another process applied it meanwhile
          return false
        }
        await sql.exec(migration.sql)
        await sql.exec('RESET ROLE') // migrations run their DDL as auditseal_owner
        await sql.query(
          `INSERT INTO auditseal.schema_migrations (version, name, checksum, applied_at)
         VALUES ($1, $2, $3, now())`,
          [migration.version, migration.name, migration.checksum],
        )
        return true
      }),
    )
    if (done) applied.push(migration.id)
  }
  return { applied }
}

// What a transaction that waited for the migration lock may meet when another process created
// objects meanwhile: PostgreSQL takes in catalog changes of others at a transaction's start
// and when it locks a relation, not when an advisory lock is granted, so names this
// connection looked up before (`pendingMigrations` before `migrate`, say) can still read as
// missing — and their creation then fails as a duplicate. A new transaction sees them.
const CATALOG_RACES = new Set(['42P06', '42P07', '23505', '3F000', '42P01'])

/** Runs `transaction` again (at most twice more) when it lost such a race. */
async function afterRaces<T>(transaction: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction()
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code
      if (attempt >= 3 || typeof code !== 'string' || !CATALOG_RACES.has(code)) throw error
    }
  }
}

/** pendingMigrations names (`0001_roles`, …) the migrations `migrate` would apply. */
export async function pendingMigrations(db: Database): Promise<string[]> {
  const migrations = await loadMigrations()
  const pending = await db.adminTransaction(async (sql) =>
    (await isBootstrapped(sql)) ? pendingOf(migrations, await appliedRows(sql)) : migrations,
  )
  return pending.map((m) => m.id)
}

/**
 * pendingMigrations as the reader role can tell (0013 lets it read the bookkeeping table): for
 * a login that reaches the schema only through SET ROLE, as `auditseal serve`'s recommended
 * one. Throws DbError MIGRATIONS_UNREADABLE where the reader may not read it (a database
 * migrated before 0013: a migration is pending, but which cannot be told).
 */
export async function pendingMigrationsForReader(db: Database): Promise<string[]> {
  const migrations = await loadMigrations()
  let rows: AppliedRow[]
  try {
    rows = await db.roleTransaction('reader', (sql) => sql.query<AppliedRow>(APPLIED_SQL))
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code
    // No schema or table yet, or not even the reader role (SET ROLE to a missing role is
    // 22023): nothing applied.
    const missingRole =
      code === '22023' && /^role .* does not exist$/.test((error as Error).message)
    if (missingRole || code === '3F000' || code === '42P01') return migrations.map((m) => m.id)
    const message = (error as Error).message
    // The schema exists but the reader may not use it: the migration that grants that (0001)
    // never completed, as when the owner's first `migrate` failed halfway.
    if (code === '42501' && /^permission denied for schema /.test(message)) {
      return migrations.map((m) => m.id)
    }
    // Only the bookkeeping table closed to the reader: a database migrated before 0013. (A
    // login that may not even become the reader gets PostgreSQL's own refusal, rethrown.)
    if (code === '42501' && /^permission denied for table schema_migrations$/.test(message)) {
      throw new DbError(
        'MIGRATIONS_UNREADABLE',
        'the reader role may not read auditseal.schema_migrations: run `auditseal migrate` as the database owner',
        { cause: error },
      )
    }
    throw error
  }
  return pendingOf(migrations, rows).map((m) => m.id)
}

const APPLIED_SQL =
  'SELECT version, name, checksum FROM auditseal.schema_migrations ORDER BY version'

async function appliedRows(sql: AdminSql): Promise<AppliedRow[]> {
  return sql.query<AppliedRow>(APPLIED_SQL)
}

/**
 * lockAndBootstrap waits for the migration lock (held until this transaction ends), then
 * creates the schema and the bookkeeping table on first use. Both belong to the migrating
 * role; the objects inside belong to auditseal_owner.
 */
async function lockAndBootstrap(sql: AdminSql): Promise<void> {
  await sql.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY])
  if (await isBootstrapped(sql)) return
  await sql.exec(`
    CREATE SCHEMA IF NOT EXISTS auditseal;
    CREATE TABLE auditseal.schema_migrations (
      version int PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL
    );
    REVOKE ALL ON auditseal.schema_migrations FROM PUBLIC;
  `)
}

async function isBootstrapped(sql: AdminSql): Promise<boolean> {
  const rows = await sql.query<{ exists: boolean }>(
    "SELECT to_regclass('auditseal.schema_migrations') IS NOT NULL AS exists",
  )
  return rows[0]?.exists === true
}

function pendingOf(migrations: Migration[], rows: AppliedRow[]): Migration[] {
  const known = new Map(migrations.map((m) => [m.version, m]))
  for (const row of rows) {
    const migration = known.get(row.version)
    if (migration === undefined) {
      throw new DbError(
        'MIGRATION_UNKNOWN_VERSION',
        `the database has migration ${row.version} (${row.name}) applied, which this auditseal ` +
          `does not know (it knows up to ${migrations.length}): run a newer auditseal`,
      )
    }
    assertSameChecksum(migration, row)
  }
  const applied = new Set(rows.map((row) => row.version))
  return migrations.filter((m) => !applied.has(m.version))
}

function assertSameChecksum(migration: Migration, row: AppliedRow): void {
  if (row.checksum !== migration.checksum) {
    throw new DbError(
      'MIGRATION_CHECKSUM_MISMATCH',
      `migration ${migration.id}.sql was changed after it was applied: the database recorded ` +
        `checksum ${row.checksum}, the file has ${migration.checksum}. Applied migrations must ` +
        'never be edited; add a new migration instead',
    )
  }
}
