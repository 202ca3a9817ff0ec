// `auditseal serve` and `auditseal migrate` as a DBA deploys them onto an existing PostgreSQL
// server (docs/storage.md, Roles): real login roles that are not superusers, each mistake a
// DBA makes answered before serve listens, in one line, with what to do about it.
// The logins and databases get random names and are dropped afterwards; the three cluster-wide
// auditseal roles are used, never dropped.

import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/index.js'
import { startServer } from '../../src/serve.js'
import { ADMIN_URL, createPostgresDatabase, withAdminClient } from '../support/databases.js'
import type { PostgresTestDatabase } from '../support/databases.js'

const CLI = new URL('../../dist/cli.js', import.meta.url).pathname
const SECRET = 'deployment-logins-test-secret-long-enough'

const suffix = randomBytes(5).toString('hex')
/** A NOINHERIT login granted auditseal_writer and auditseal_reader: the recommended one. */
const APP = `auditseal_test_app_${suffix}`
/** A NOINHERIT login granted nothing. */
const STRANGER = `auditseal_test_stranger_${suffix}`
/** Owns its database, but has no CREATEROLE. */
const OWNER = `auditseal_test_owner_${suffix}`
const OWNED_DB = `auditseal_test_owned_${suffix}`
/** The server's address (an IP address: it is what ECONNREFUSED names too). */
const HOST = new URL(ADMIN_URL).hostname

/** `url` (a test database as the superuser) as `user`, with `password` if given. */
function urlAs(url: string, user: string, password = ''): string {
  const parsed = new URL(url)
  parsed.username = user
  parsed.password = password
  return parsed.toString()
}

async function auditseal(
  args: string[],
  dataDir: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env }
  for (const name of Object.keys(env)) {
    if (name.startsWith('AUDITSEAL_') || name.startsWith('DATABASE_')) delete env[name]
  }
  const options = {
    env: { ...env, AUDITSEAL_JWT_SECRET: SECRET, AUDITSEAL_DATA_DIR: dataDir },
    timeout: 30_000, // a serve that did start would never exit by itself
  }
  try {
    const { stdout, stderr } = await promisify(execFile)('node', [CLI, ...args], options)
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

const serveFlags = ['serve', '--port', '0', '--checkpoint-interval-ms', '3600000']

let dataDir: string
let fresh: PostgresTestDatabase
let migrated: PostgresTestDatabase

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'auditseal-deploy-'))
  ;[fresh, migrated] = await Promise.all([
    createPostgresDatabase({ migrate: false }),
    createPostgresDatabase(),
  ])
  await withAdminClient(ADMIN_URL, async (client) => {
    await client.query(`CREATE ROLE ${APP} LOGIN NOINHERIT`)
    await client.query(`GRANT auditseal_writer, auditseal_reader TO ${APP}`)
    await client.query(`CREATE ROLE ${STRANGER} LOGIN NOINHERIT`)
    await client.query(`CREATE ROLE ${OWNER} LOGIN`)
    await client.query(`CREATE DATABASE ${OWNED_DB} OWNER ${OWNER}`)
  })
})

afterAll(async () => {
  await Promise.all([fresh?.drop(), migrated?.drop()])
  await withAdminClient(ADMIN_URL, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${OWNED_DB} WITH (FORCE)`)
    for (const role of [APP, STRANGER, OWNER]) await client.query(`DROP ROLE IF EXISTS ${role}`)
  })
  await rm(dataDir, { recursive: true, force: true })
})

describe('serve as the application login on a database nobody migrated', () => {
  it('refuses before it listens, naming the command the owner must run (exit 2)', async () => {
    const result = await auditseal(
      [...serveFlags, '--database-url', urlAs(fresh.url, APP)],
      dataDir,
    )
    expect(result.stderr).toMatch(
      /^auditseal: the database is not migrated: run `auditseal migrate --database-url …` as the database owner first \(this login may not: permission denied for database \w+\)\n$/,
    )
    expect(result.code).toBe(2)
    expect(result.stdout).not.toMatch(/listening/i)
  })

  it('refuses a database whose first migration failed halfway (schema, no grants)', async () => {
    // What an owner's `migrate` leaves when 0001_roles fails: the schema and the bookkeeping
    // table, committed by the first transaction, and nothing the reader may use.
    const half = await createPostgresDatabase({ migrate: false })
    try {
      await half.db.adminQuery(`CREATE SCHEMA auditseal`)
      await half.db.adminQuery(
        `CREATE TABLE auditseal.schema_migrations (version int PRIMARY KEY, name text NOT NULL,
           checksum text NOT NULL, applied_at timestamptz NOT NULL)`,
      )
      const result = await auditseal(
        [...serveFlags, '--database-url', urlAs(half.url, APP)],
        dataDir,
      )
      expect(result.stderr).toMatch(/^auditseal: the database is not migrated: run /)
      expect(result.code).toBe(2)
      expect(result.stdout).not.toMatch(/listening/i)
    } finally {
      await half.drop()
    }
  })
})

describe('the migrations line of the banner, for the application login', () => {
  /** The banner of an in-process serve of `db` as APP, which is closed again. */
  async function bannerOf(db: PostgresTestDatabase): Promise<string> {
    const lines: string[] = []
    const config = loadConfig(
      {
        port: 0,
        checkpointIntervalMs: 3_600_000,
        logLevel: 'silent',
        dataDir,
        databaseUrl: urlAs(db.url, APP),
      },
      { AUDITSEAL_JWT_SECRET: SECRET },
    )
    const server = await startServer(config, { print: (text) => lines.push(text) })
    await server.close()
    return lines.join('\n')
  }

  it('says the database is up to date, and who applies the next upgrade', async () => {
    expect(await bannerOf(migrated)).toContain(
      '  migrations:    up to date; this login may not run them: after each upgrade\n' +
        '                 the database owner must run `auditseal migrate`\n',
    )
  })

  it.each([
    [
      'a migration is pending: it serves, and names the migration and who must apply it',
      'DELETE FROM auditseal.schema_migrations WHERE version = 13',
      '  migrations:    PENDING 0013_migrations_readable\n' +
        '                 this login may not run them: the database owner must run `auditseal migrate`\n',
    ],
    [
      'the reader may not read the migrations (migrated before 0013): it serves, and says it could not check',
      'REVOKE SELECT ON auditseal.schema_migrations FROM auditseal_reader',
      '  migrations:    not checked: the reader role may not read auditseal.schema_migrations\n' +
        '                 (a database migrated before 0013_migrations_readable): the database owner must run `auditseal migrate`\n',
    ],
  ])('when %s', async (_, change, banner) => {
    const db = await createPostgresDatabase()
    try {
      await db.db.adminQuery(change)
      expect(await bannerOf(db)).toContain(banner)
    } finally {
      await db.drop()
    }
  })
})

describe('the hint for a permission problem', () => {
  it('tells serve’s login without the roles to be granted them', async () => {
    const result = await auditseal(
      [...serveFlags, '--database-url', urlAs(migrated.url, STRANGER)],
      dataDir,
    )
    expect(result.stderr).toBe(
      'auditseal: permission denied to set role "auditseal_reader"\n' +
        `auditseal: hint: run it as the application login; if ${STRANGER} is that login: GRANT auditseal_writer, auditseal_reader TO ${STRANGER} (never to the migrating or the auditor login)\n`,
    )
    expect(result.code).toBe(2)
  })

  describe('migrate, run by a login that does not own the database', () => {
    it('on a migrated database: run it as the owner', async () => {
      const result = await auditseal(
        ['migrate', '--database-url', urlAs(migrated.url, STRANGER)],
        dataDir,
      )
      expect(result.stderr).toBe(
        'auditseal: permission denied for schema auditseal\n' +
          'auditseal: hint: run auditseal migrate as the database owner (or a superuser)\n',
      )
      expect(result.code).toBe(2)
    })

    it('on a new database: run it as the owner', async () => {
      const result = await auditseal(
        ['migrate', '--database-url', urlAs(fresh.url, STRANGER)],
        dataDir,
      )
      expect(result.stderr).toBe(
        `auditseal: permission denied for database ${fresh.name}\n` +
          'auditseal: hint: run auditseal migrate as the database owner (or a superuser)\n',
      )
      expect(result.code).toBe(2)
    })
  })

  describe('for the database owner without CREATEROLE (the roles exist already)', () => {
    const ownerUrl = () => {
      const url = new URL(ADMIN_URL)
      url.username = OWNER
      url.pathname = `/${OWNED_DB}`
      return url.toString()
    }

    it('migrate tells it what it needs', async () => {
      const result = await auditseal(['migrate', '--database-url', ownerUrl()], dataDir)
      expect(result.stderr).toBe(
        'auditseal: must have admin option on role "auditseal_owner"\n' +
          `auditseal: hint: the migrating login needs CREATEROLE (ALTER ROLE ${OWNER} CREATEROLE), ` +
          `or create the three roles beforehand as a superuser and GRANT auditseal_owner TO ${OWNER} ` +
          '(see docs/storage.md)\n',
      )
      expect(result.code).toBe(2)
    })

    it('migrate works once a superuser made it a member of auditseal_owner', async () => {
      await withAdminClient(ADMIN_URL, (client) =>
        client.query(`GRANT auditseal_owner TO ${OWNER}`),
      )
      const result = await auditseal(['migrate', '--database-url', ownerUrl()], dataDir)
      expect(result.stderr).toBe('')
      expect(result.stdout).toMatch(/migration\(s\) applied\n$/)
      expect(result.code).toBe(0)
    })

    it('serve as the owner refuses before it listens: the owner is not the writer', async () => {
      const result = await auditseal([...serveFlags, '--database-url', ownerUrl()], dataDir)
      expect(result.stderr).toBe(
        'auditseal: permission denied to set role "auditseal_writer"\n' +
          `auditseal: hint: run it as the application login; if ${OWNER} is that login: GRANT auditseal_writer, auditseal_reader TO ${OWNER} (never to the migrating or the auditor login)\n`,
      )
      expect(result.code).toBe(2)
      expect(result.stdout).not.toMatch(/listening/i)
    })
  })
})

describe('serve, when it cannot connect', () => {
  it('names the primary, its host and database, and not the password', async () => {
    const unreachable = new URL(urlAs(migrated.url, APP, 'hunter2-secret'))
    unreachable.port = '1'
    const result = await auditseal(
      [...serveFlags, '--database-url', unreachable.toString()],
      dataDir,
    )
    expect(result.stderr).toBe(
      `auditseal: cannot connect to the primary (--database-url) at ${HOST}:1/${migrated.name}: ` +
        `connect ECONNREFUSED ${HOST}:1\n`,
    )
    expect(result.code).toBe(2)
    expect(result.stderr).not.toContain('hunter2')
  })

  it('names the read database when that is the one that fails, before listening', async () => {
    const unreachable = new URL(urlAs(migrated.url, APP, 'hunter2-secret'))
    unreachable.port = '1'
    const result = await auditseal(
      [
        ...serveFlags,
        '--database-url',
        urlAs(migrated.url, APP),
        '--read-database-url',
        unreachable.toString(),
      ],
      dataDir,
    )
    expect(result.stderr).toBe(
      'auditseal: cannot connect to the read database (--read-database-url) at ' +
        `${HOST}:1/${migrated.name}: connect ECONNREFUSED ${HOST}:1\n`,
    )
    expect(result.code).toBe(2)
    expect(result.stdout).not.toMatch(/listening/i)
  })
})
