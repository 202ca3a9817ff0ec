// The serve composition in-process, on both engines: it serves the gateway and the API, and
// its shutdown drains the audit queue and signs the final checkpoints before closing the pools.

import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SYSTEM_TENANT_ID } from '@auditseal/core'
import { loadConfig } from '../../src/config/index.js'
import type { ServerConfig } from '../../src/config/index.js'
import { openPglite } from '../../src/db/pglite.js'
import type { Database } from '../../src/db/database.js'
import { signDevelopmentToken } from '../../src/http/index.js'
import { startServer } from '../../src/serve.js'
import {
  ADMIN_URL,
  createPgliteDatabase,
  createPostgresDatabase,
  withAdminClient,
} from '../support/databases.js'
import { makeEvents, newTenantId } from '../support/events.js'

const SECRET = 'start-server-test-secret-long-enough!!'

interface Engine {
  name: string
  /** A config for startServer, and a way to look into its database after it stopped. */
  prepare(
    dir: string,
  ): Promise<{ config: ServerConfig; inspect(): Promise<Database>; drop(): Promise<void> }>
}

const env = { AUDITSEAL_JWT_SECRET: SECRET }
// A long interval: any checkpoint found after close() was signed by the shutdown itself.
const flags = { port: 0, checkpointIntervalMs: 3_600_000, logLevel: 'silent' }

const engines: Engine[] = [
  {
    name: 'pglite',
    async prepare(dir) {
      // A migrated directory from the test template (initdb takes seconds), closed again.
      const made = await createPgliteDatabase()
      await made.db.close()
      const config = loadConfig(
        { ...flags, dataDir: made.dir, signingKeyFile: join(dir, 'key') },
        env,
      )
      let db: Database | undefined
      return {
        config,
        inspect: async () => (db ??= await openPglite(made.dir)),
        drop: async () => {
          await db?.close()
          await rm(made.dir, { recursive: true, force: true })
        },
      }
    },
  },
  {
    name: 'postgres',
    async prepare(dir) {
      const made = await createPostgresDatabase()
      const config = loadConfig({ ...flags, dataDir: dir, databaseUrl: made.url }, env)
      return { config, inspect: async () => made.db, drop: () => made.drop() }
    },
  },
]

describe.each(engines)('startServer on $name', (engine) => {
  let dir: string
  let prepared: Awaited<ReturnType<Engine['prepare']>>

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'auditseal-serve-'))
    prepared = await engine.prepare(dir)
  })
  afterAll(async () => {
    await prepared?.drop()
    await rm(dir, { recursive: true, force: true })
  })

  it('serves over HTTP, and on close seals every queued event and signs a final checkpoint', async () => {
    const lines: string[] = []
    const server = await startServer(prepared.config, {
      print: (text) => lines.push(text),
      // One auth event per address, then none: the rest are held back and counted.
      authAudit: { perIp: { capacity: 1, refillPerSecond: 0 } },
    })
    const tenant = newTenantId()
    const token = await signDevelopmentToken(SECRET, {
      sub: 'bob',
      tenantId: tenant,
      roles: ['operator'],
    })
    try {
      expect(lines.join('\n')).toMatch(/^auditseal listening on http:\/\/127\.0\.0\.1:\d+/)
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          fetch(`${server.url}/devices`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ serial_number: `S-${i}` }),
          }),
        ),
      )
      expect(responses.map((r) => r.status)).toEqual(Array(20).fill(201))
      for (let i = 0; i < 3; i++) expect((await fetch(`${server.url}/devices`)).status).toBe(401)
    } finally {
      await server.close()
    }
    await expect(server.close()).resolves.toBeUndefined() // idempotent
    // 20 devices, one auth.unauthorized, and the auth.suppressed the shutdown wrote.
    expect(server.sink.stats()).toMatchObject({ pending: 0, sealed: 22, overflowed: 0 })

    const db = await prepared.inspect()
    const [row] = await db.adminQuery<{ events: number; checkpoint: number }>(
      `SELECT (SELECT count(*)::int FROM auditseal.audit_events WHERE tenant_id = $1) AS events,
              (SELECT max(tree_size)::int FROM auditseal.audit_checkpoints WHERE tenant_id = $1)
                AS checkpoint`,
      [tenant],
    )
    expect(row).toEqual({ events: 20, checkpoint: 20 })
    // The two 401s held back, no later event carried them: shutdown wrote their count.
    const auth = await db.adminQuery<{ type: string; suppressed: string | null }>(
      `SELECT type, canonical::jsonb->'data'->>'suppressed' AS suppressed
       FROM auditseal.audit_events WHERE tenant_id = $1 ORDER BY seq`,
      [SYSTEM_TENANT_ID],
    )
    expect(auth).toEqual([
      { type: 'auth.unauthorized', suppressed: null },
      { type: 'auth.suppressed', suppressed: '2' },
    ])
  })
})

describe('startServer on PostgreSQL as the least-privileged application login', () => {
  it('serves a database `auditseal migrate` prepared, and says it is up to date but not its to migrate', async () => {
    const made = await createPostgresDatabase()
    const dir = await mkdtemp(join(tmpdir(), 'auditseal-serve-'))
    const login = `auditseal_app_${randomBytes(4).toString('hex')}`
    await withAdminClient(ADMIN_URL, async (client) => {
      await client.query(`CREATE ROLE ${login} LOGIN NOINHERIT`)
      await client.query(`GRANT auditseal_writer, auditseal_reader TO ${login}`)
    })
    try {
      const url = new URL(made.url)
      url.username = login
      const lines: string[] = []
      const server = await startServer(
        loadConfig({ ...flags, dataDir: dir, databaseUrl: url.toString() }, env),
        { print: (text) => lines.push(text) },
      )
      try {
        expect(lines.join('\n')).toContain(
          'migrations:    up to date; this login may not run them: after each upgrade',
        )
        const token = await signDevelopmentToken(SECRET, {
          sub: 'carol',
          tenantId: newTenantId(),
          roles: ['operator'],
        })
        const response = await fetch(`${server.url}/devices`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ serial_number: 'LEAST-1' }),
        })
        expect(response.status).toBe(201)
      } finally {
        await server.close()
      }
      expect(server.sink.stats()).toMatchObject({ sealed: 1, pending: 0 })
    } finally {
      await made.drop()
      await withAdminClient(ADMIN_URL, (client) => client.query(`DROP ROLE IF EXISTS ${login}`))
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('startServer shutting down while the database is gone', () => {
  it('resolves; the spool keeps the event it could not seal, and the next start seals and signs it', async () => {
    const made = await createPostgresDatabase()
    const dir = await mkdtemp(join(tmpdir(), 'auditseal-serve-'))
    const name = new URL(made.url).pathname.slice(1)
    const config = loadConfig({ ...flags, dataDir: dir, databaseUrl: made.url }, env)
    const allowConnections = (allow: boolean) =>
      withAdminClient(ADMIN_URL, async (admin) => {
        await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS ${String(allow)}`)
        if (!allow) {
          await admin.query(
            'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1',
            [name],
          )
        }
      })
    try {
      const running = await startServer(config, { print: () => {} })
      const tenant = newTenantId()
      await running.log.sealer.seal(tenant, makeEvents(tenant, 2))
      await allowConnections(false)
      const [late] = makeEvents(tenant, 1, 2)
      running.sink.log(late!) // the gateway's sink, while nothing can be sealed
      // The final checkpoint pass fails: reported, not a failed shutdown (exit 1 = events lost).
      await expect(running.close()).resolves.toBeUndefined()
      expect(running.sink.stats()).toMatchObject({ pending: 1, sealed: 0 })

      await allowConnections(true)
      const next = await startServer(config, { print: () => {} })
      await next.sink.flush()
      await next.close() // signs the final checkpoint
      const [row] = await made.db.adminQuery<{ events: number; checkpoint: number }>(
        `SELECT (SELECT count(*)::int FROM auditseal.audit_events WHERE tenant_id = $1) AS events,
                (SELECT max(tree_size)::int FROM auditseal.audit_checkpoints WHERE tenant_id = $1)
                  AS checkpoint`,
        [tenant],
      )
      expect(row).toEqual({ events: 3, checkpoint: 3 })
    } finally {
      await allowConnections(true)
      await rm(dir, { recursive: true, force: true })
      await made.drop()
    }
  })
})

describe('startServer refusing to start', () => {
  it('refuses a signing key made for another log name', async () => {
    const made = await createPgliteDatabase()
    await made.db.close()
    const dir = await mkdtemp(join(tmpdir(), 'auditseal-serve-'))
    try {
      const keyFile = join(dir, 'key')
      const first = await startServer(
        loadConfig(
          { ...flags, dataDir: made.dir, signingKeyFile: keyFile, logName: 'one.example' },
          env,
        ),
        { print: () => {} },
      )
      await first.close()
      await expect(
        startServer(
          loadConfig(
            { ...flags, dataDir: made.dir, signingKeyFile: keyFile, logName: 'two.example' },
            env,
          ),
          { print: () => {} },
        ),
      ).rejects.toThrow(
        `signing key ${keyFile} was made for log name "one.example", but the log name is "two.example"`,
      )
    } finally {
      await rm(dir, { recursive: true, force: true })
      await made.drop()
    }
  })

  it.each(engines)(
    'refuses to create a new signing key for a log that holds events (a key file gone missing), on $name',
    async (engine) => {
      const dir = await mkdtemp(join(tmpdir(), 'auditseal-serve-'))
      const prepared = await engine.prepare(dir)
      const withKey = (signingKeyFile: string) => ({ ...prepared.config, signingKeyFile })
      try {
        const first = await startServer(withKey(join(dir, 'key')), { print: () => {} })
        const tenant = newTenantId()
        await first.log.sealer.seal(tenant, makeEvents(tenant, 3))
        await first.close()
        const missing = join(dir, 'secrets-not-mounted', 'signing.key')
        await expect(startServer(withKey(missing), { print: () => {} })).rejects.toThrow(
          `signing key ${missing} does not exist, but the log already holds events`,
        )
        await expect(stat(join(dir, 'secrets-not-mounted'))).rejects.toMatchObject({
          code: 'ENOENT',
        })
        const again = await startServer(withKey(join(dir, 'key')), { print: () => {} })
        await again.close()
      } finally {
        await prepared.drop()
        await rm(dir, { recursive: true, force: true })
      }
    },
  )

  it('refuses a data directory another server uses, naming --data-dir, and leaves that server be', async () => {
    const made = await createPostgresDatabase()
    const dir = await mkdtemp(join(tmpdir(), 'auditseal-serve-'))
    const config = loadConfig({ ...flags, dataDir: dir, databaseUrl: made.url }, env)
    const first = await startServer(config, { print: () => {} })
    try {
      await expect(startServer(config, { print: () => {} })).rejects.toThrow(
        `data directory ${dir} is in use by another auditseal serve (process ${process.pid})`,
      )
      const tenant = newTenantId()
      first.sink.log(makeEvents(tenant, 1)[0]!)
      await first.sink.flush()
      expect(first.sink.stats()).toMatchObject({ sealed: 1, pending: 0 })
    } finally {
      await first.close()
      await rm(dir, { recursive: true, force: true })
      await made.drop()
    }
  })

  it('refuses a checkpoint directory that cannot be written, before opening anything', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'auditseal-serve-'))
    try {
      await writeFile(join(dir, 'a-file'), '')
      const checkpointDir = join(dir, 'a-file', 'checkpoints')
      await expect(
        startServer(loadConfig({ ...flags, dataDir: join(dir, 'data'), checkpointDir }, env), {
          print: () => {},
        }),
      ).rejects.toThrow(`checkpoint directory ${checkpointDir} cannot be written: ENOTDIR`)
      await expect(stat(join(dir, 'data'))).rejects.toMatchObject({ code: 'ENOENT' })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('closes what it opened when it cannot listen, so the next start works', async () => {
    const [a, b] = [await createPgliteDatabase(), await createPgliteDatabase()]
    await Promise.all([a.db.close(), b.db.close()])
    const dir = await mkdtemp(join(tmpdir(), 'auditseal-serve-'))
    const config = (dataDir: string, port: number) =>
      loadConfig({ ...flags, port, dataDir, signingKeyFile: join(dir, 'key') }, env)
    const holder = await startServer(config(a.dir, 0), { print: () => {} })
    try {
      const port = Number(new URL(holder.url).port)
      await expect(startServer(config(b.dir, port), { print: () => {} })).rejects.toThrow(
        /EADDRINUSE/,
      )
      const next = await startServer(config(b.dir, 0), { print: () => {} }) // b's lock was released
      await next.close()
    } finally {
      await holder.close()
      await rm(dir, { recursive: true, force: true })
      await Promise.all([a.drop(), b.drop()])
    }
  })
})
