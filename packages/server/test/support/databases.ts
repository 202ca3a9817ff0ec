// Fresh, migrated databases for tests, on both engines:
//
//   describe.each(ENGINES)('on $name', ({ create }) => {
//     let t: TestDatabase
//     beforeAll(async () => { t = await create() })
//     afterAll(() => t.drop())
//   })
//
// PostgreSQL: a new database auditseal_test_<random> on the server named by
// AUDITSEAL_TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres), as its
// superuser. If the server cannot be reached the test fails, loudly: it is never skipped.
// PGlite: a new data directory under the OS temp dir, copied from a blank initdb'd template
// (initdb costs seconds; the template is made once per PGlite version and reused).

import { randomBytes } from 'node:crypto'
import { cp, mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import pg from 'pg'
import type { Database } from '../../src/db/database.js'
import { migrate } from '../../src/db/migrations.js'
import { openPglite } from '../../src/db/pglite.js'
import { openPostgres } from '../../src/db/postgres.js'

export const ADMIN_URL =
  process.env.AUDITSEAL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

export interface TestDatabase {
  db: Database
  /** Closes `db` and removes the database or directory. Safe to call twice. */
  drop(): Promise<void>
}

export interface PostgresTestDatabase extends TestDatabase {
  /** The URL of the new database, as the superuser. */
  url: string
  name: string
}

export interface PgliteTestDatabase extends TestDatabase {
  dir: string
}

export interface CreateOptions {
  /** Apply the migrations (default true). */
  migrate?: boolean
}

export interface Engine {
  name: 'postgres' | 'pglite'
  create(options?: CreateOptions): Promise<TestDatabase>
}

/** Both engines, for describe.each. */
export const ENGINES: readonly Engine[] = [
  { name: 'postgres', create: (options) => createPostgresDatabase(options) },
  { name: 'pglite', create: (options) => createPgliteDatabase(options) },
]

/** Runs `use` with a single client on `url`; failures to connect name the server and the fix. */
export async function withAdminClient<T>(
  url: string,
  use: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 })
  try {
    await client.connect()
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${redact(url)} (${(error as Error).message}). The database ` +
        'tests need it: start it (bash .ci/prepare-postgres.sh) or set AUDITSEAL_TEST_DATABASE_URL.',
      { cause: error },
    )
  }
  try {
    return await use(client)
  } finally {
    await client.end()
  }
}

/** createPostgresDatabase makes and (by default) migrates a fresh database. */
export async function createPostgresDatabase(
  options: CreateOptions = {},
): Promise<PostgresTestDatabase> {
  const name = `auditseal_test_${randomBytes(6).toString('hex')}`
  await withAdminClient(ADMIN_URL, (client) => client.query(`CREATE DATABASE ${name}`))
  const url = databaseUrl(name)
  const db = openPostgres(url, { max: 4, applicationName: 'auditseal tests' })
  let dropped = false
  const drop = async () => {
    if (dropped) return
    dropped = true
    await db.close()
    await withAdminClient(ADMIN_URL, (client) =>
      client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
    )
  }
  try {
    if (options.migrate ?? true) await migrate(db)
  } catch (error) {
    await drop()
    throw error
  }
  return { db, url, name, drop }
}

/** The admin URL with its database replaced by `name`. */
export function databaseUrl(name: string): string {
  const url = new URL(ADMIN_URL)
  url.pathname = `/${name}`
  return url.toString()
}

/** createPgliteDatabase makes and (by default) migrates a fresh PGlite data directory. */
export async function createPgliteDatabase(
  options: CreateOptions = {},
): Promise<PgliteTestDatabase> {
  const dir = await mkdtemp(join(tmpdir(), 'auditseal-pglite-'))
  await cp(await pgliteTemplate(), dir, { recursive: true })
  const db = await openPglite(dir)
  let dropped = false
  const drop = async () => {
    if (dropped) return
    dropped = true
    await db.close()
    await rm(dir, { recursive: true, force: true })
  }
  try {
    if (options.migrate ?? true) await migrate(db)
  } catch (error) {
    await drop()
    throw error
  }
  return { db, dir, drop }
}

let template: Promise<string> | undefined

/**
 * pgliteTemplate returns a closed, blank (not migrated) PGlite directory. It is built under
 * a private name and renamed into place, so a concurrent test process either finds a whole
 * template or builds its own and drops it.
 */
function pgliteTemplate(): Promise<string> {
  template ??= (async () => {
    const final = join(tmpdir(), `auditseal-pglite-template-${await pgliteVersion()}`)
    if (await isDirectory(join(final, 'base'))) return final
    const building = await mkdtemp(`${final}.building-`)
    const db = await openPglite(building)
    await db.close()
    try {
      await rename(building, final)
    } catch {
      await rm(building, { recursive: true, force: true }) // another process won the race
    }
    return final
  })()
  return template
}

async function pgliteVersion(): Promise<string> {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite') // …/dist/index.cjs
  const manifest = JSON.parse(await readFile(join(dirname(entry), '..', 'package.json'), 'utf8'))
  return String(manifest.version)
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory()
  } catch {
    return false
  }
}

function redact(url: string): string {
  const parsed = new URL(url)
  if (parsed.password !== '') parsed.password = '***'
  return parsed.toString()
}
