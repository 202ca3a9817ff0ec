// `auditseal serve`, `token`, `api-key create` and `api-key revoke` as built: usage errors exit 2 and name the
// flag or variable; the commands do what their help says.

import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, realpath, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPglite } from '../../src/db/pglite.js'
import { bearer, startTestApp } from '../http/support.js'
import { createPgliteDatabase } from '../support/databases.js'

const CLI = new URL('../../dist/cli.js', import.meta.url).pathname
const TENANT = '0190b6a4-7e5c-7000-8000-00000000c11e'

async function auditseal(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env }
  for (const name of Object.keys(env)) {
    if (name.startsWith('AUDITSEAL_') || name.startsWith('DATABASE_')) delete env[name]
  }
  try {
    const { stdout, stderr } = await promisify(execFile)('node', [CLI, ...args], {
      env: { ...env, ...options.env },
      cwd: options.cwd,
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

describe('auditseal token', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'auditseal-cli-'))
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  it('prints a JWT with the claims asked for, signed with the data directory’s secret', async () => {
    const result = await auditseal(
      [
        'token',
        '--tenant',
        TENANT.toUpperCase(),
        '--sub',
        'alice',
        '--roles',
        'operator, auditor',
        '--expires-in',
        '15m',
      ],
      { cwd: dir },
    )
    expect(result.code).toBe(0)
    const claims = decodeJwt(result.stdout.trim())
    expect(claims).toMatchObject({
      sub: 'alice',
      tenant_id: TENANT,
      roles: ['operator', 'auditor'],
    })
    expect((claims.exp as number) - (claims.iat as number)).toBe(900)
  })

  describe('when no secret exists yet (run outside the server’s directory)', () => {
    const args = ['token', '--tenant', TENANT, '--sub', 'alice', '--roles', 'auditor']

    it('says on standard error that it made one, which only a server using it accepts', async () => {
      const cwd = await realpath(await mkdtemp(join(tmpdir(), 'auditseal-token-')))
      try {
        const secret = join(cwd, '.auditseal', 'jwt.secret')
        const first = await auditseal(args, { cwd })
        expect(first.code).toBe(0)
        expect(decodeJwt(first.stdout.trim()).sub).toBe('alice')
        expect(first.stderr).toBe(
          `auditseal: created a new JWT secret at ${secret}; only a server using this ` +
            'secret accepts this token (auditseal serve --data-dir ' +
            `${join(cwd, '.auditseal')}, or AUDITSEAL_JWT_SECRET set to its contents)\n`,
        )
        expect(existsSync(secret)).toBe(true)
        // The next token uses that secret, and has nothing to warn about.
        expect(await auditseal(args, { cwd })).toMatchObject({ code: 0, stderr: '' })
      } finally {
        await rm(cwd, { recursive: true, force: true })
      }
    })

    it('creates none, and says nothing, when AUDITSEAL_JWT_SECRET is set', async () => {
      const cwd = await realpath(await mkdtemp(join(tmpdir(), 'auditseal-token-')))
      try {
        const env = { AUDITSEAL_JWT_SECRET: 'a-development-secret-of-32-characters-or-more' }
        expect(await auditseal(args, { cwd, env })).toMatchObject({ code: 0, stderr: '' })
        expect(existsSync(join(cwd, '.auditseal'))).toBe(false)
      } finally {
        await rm(cwd, { recursive: true, force: true })
      }
    })
  })

  it.each([
    [['--tenant', 'acme', '--sub', 'a', '--roles', 'admin'], '--tenant: "acme" is not a UUID'],
    [
      ['--tenant', TENANT, '--sub', 'a', '--roles', 'admin,root'],
      '--roles: "admin,root" has unknown roles (root)',
    ],
    [
      ['--tenant', TENANT, '--sub', 'a', '--roles', 'admin', '--expires-in', 'soon'],
      '--expires-in: "soon" is not a duration',
    ],
    [['--tenant', TENANT, '--sub', '', '--roles', 'admin'], '--sub: give the user'],
    [['--tenant', TENANT, '--roles', 'admin'], "required option '--sub <subject>' not specified"],
  ])('exits 2 for %j', async (args, message) => {
    const result = await auditseal(['token', ...args, '--data-dir', dir])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(message)
    expect(result.stdout).toBe('')
  })

  it('is not stopped by serve settings it does not use (one environment file for all)', async () => {
    const result = await auditseal(
      ['token', '--tenant', TENANT, '--sub', 'a', '--roles', 'admin', '--data-dir', dir],
      { env: { AUDITSEAL_PORT: 'abc', AUDITSEAL_TRUST_PROXY: 'loopback' } },
    )
    expect(result.stderr).not.toContain('AUDITSEAL_PORT')
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^ey[\w-]+\.[\w-]+\.[\w-]+\n$/)
  })

  it('keeps to the server’s maximum token age: shorter by default, refused when asked longer', async () => {
    const env = { AUDITSEAL_JWT_MAX_AGE_S: '900' }
    const args = ['token', '--tenant', TENANT, '--sub', 'a', '--roles', 'admin', '--data-dir', dir]
    const short = await auditseal(args, { env })
    expect(short.code).toBe(0)
    const claims = decodeJwt(short.stdout.trim())
    expect((claims.exp as number) - (claims.iat as number)).toBe(900)
    const long = await auditseal([...args, '--expires-in', '1h'], { env })
    expect(long.code).toBe(2)
    expect(long.stderr).toContain(
      '--expires-in 1h: the server refuses tokens issued to live longer than AUDITSEAL_JWT_MAX_AGE_S (900 s)',
    )
    expect(long.stdout).toBe('')
  })

  it('exits 2 when the server takes tokens from an identity provider only', async () => {
    const result = await auditseal(
      ['token', '--tenant', TENANT, '--sub', 'a', '--roles', 'admin'],
      {
        cwd: dir,
        env: {
          AUDITSEAL_JWT_JWKS_URL: 'https://id.example.com/jwks',
          AUDITSEAL_JWT_ISSUER: 'https://id.example.com/',
          AUDITSEAL_JWT_AUDIENCE: 'auditseal',
        },
      },
    )
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('AUDITSEAL_JWT_JWKS_URL is set')
  })
})

describe('auditseal api-key create', () => {
  let dataDir: string
  let drop: () => Promise<void>
  beforeAll(async () => {
    const made = await createPgliteDatabase()
    await made.db.close()
    dataDir = made.dir
    drop = made.drop
  })
  afterAll(() => drop?.())

  it('prints a new key once on standard output, and what it is on standard error', async () => {
    const result = await auditseal(
      [
        'api-key',
        'create',
        '--tenant',
        TENANT,
        '--scopes',
        'ingest,read',
        '--name',
        'ci',
        '--data-dir',
        dataDir,
      ],
      // serve's settings, which api-key never reads, do not stop it even when malformed
      { env: { AUDITSEAL_PORT: 'abc', AUDITSEAL_TRUST_PROXY: 'loopback' } },
    )
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^ask_[0-9a-f]{24}_[A-Za-z0-9_-]{43}\n$/)
    expect(result.stderr).toMatch(
      new RegExp(`^API key [0-9a-f]{24} for tenant ${TENANT} with scopes ingest, read`),
    )
  })

  it.each([
    [['--tenant', 'x', '--scopes', 'read'], '--tenant: "x" is not a UUID'],
    [
      ['--tenant', TENANT, '--scopes', 'read,write'],
      '--scopes: "read,write" has unknown scopes (write)',
    ],
    [
      ['--tenant', TENANT, '--scopes', 'read', '--name', ''],
      '--name: a key name has 1 to 200 characters',
    ],
    [
      ['--tenant', TENANT, '--scopes', 'read', '--database-url', 'mysql://x'],
      '--database-url: "mysql://x" is not a PostgreSQL URL',
    ],
  ])('exits 2 for %j', async (args, message) => {
    const result = await auditseal(['api-key', 'create', ...args, '--data-dir', dataDir])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(message)
  })
})

describe('auditseal api-key revoke', () => {
  let dataDir: string
  let drop: () => Promise<void>
  beforeAll(async () => {
    const made = await createPgliteDatabase()
    await made.db.close()
    dataDir = made.dir
    drop = made.drop
  })
  afterAll(() => drop?.())

  /** A new read key of TENANT, made by the command: its id and the key. */
  async function createKey(): Promise<{ id: string; key: string }> {
    const args = ['create', '--tenant', TENANT, '--scopes', 'read', '--data-dir', dataDir]
    const result = await auditseal(['api-key', ...args])
    expect(result.code).toBe(0)
    const key = result.stdout.trim()
    return { id: key.split('_')[1] as string, key }
  }

  /** What the server answers to GET /v1/events with the key, and why it refused it if so. */
  async function serverAnswer(key: string): Promise<{ status: number; reasons: string[] }> {
    const db = await openPglite(dataDir) // the embedded database: one process at a time
    try {
      const t = await startTestApp(db)
      try {
        const response = await t.app.inject({ url: '/v1/events', headers: bearer(key) })
        return { status: response.statusCode, reasons: t.failures.map((f) => f.reason) }
      } finally {
        await t.close()
      }
    } finally {
      await db.close()
    }
  }

  const revoke = (id: string, tenant = TENANT) =>
    auditseal(['api-key', 'revoke', id, '--tenant', tenant, '--data-dir', dataDir])

  it('revokes a key by the id create printed: the server refuses it from then on', async () => {
    const { id, key } = await createKey()
    expect(await serverAnswer(key)).toEqual({ status: 200, reasons: [] })
    const result = await revoke(id)
    expect(result.code).toBe(0)
    expect(result.stderr).toBe(`API key ${id} of tenant ${TENANT} is revoked.\n`)
    expect(result.stdout).toBe('')
    expect(await serverAnswer(key)).toEqual({
      status: 401,
      reasons: [`API key ${id} is revoked`],
    })
  })

  it('takes the key itself as well, and revokes only that key', async () => {
    const [first, second] = [await createKey(), await createKey()]
    expect((await revoke(first.key)).code).toBe(0)
    expect((await serverAnswer(first.key)).status).toBe(401)
    expect((await serverAnswer(second.key)).status).toBe(200)
  })

  it('exits 2 for a key revoked already, another tenant’s key, or an unknown one', async () => {
    const { id } = await createKey()
    expect((await revoke(id)).code).toBe(0)
    const other = '0190b6a4-7e5c-7000-8000-0000000a11e2'
    for (const [keyId, tenant] of [
      [id, TENANT],
      [id, other],
      ['0'.repeat(24), TENANT],
    ] as const) {
      const result = await revoke(keyId, tenant)
      expect(result.code).toBe(2)
      expect(result.stderr).toBe(
        `auditseal: tenant ${tenant} has no API key ${keyId} that is not revoked already ` +
          '(check the id and --tenant)\n',
      )
    }
  })

  it('exits 2 for a --data-dir that holds no database, and makes none there', async () => {
    const missing = join(dataDir, 'mistyped')
    const result = await auditseal([
      'api-key',
      'revoke',
      '0'.repeat(24),
      '--tenant',
      TENANT,
      '--data-dir',
      missing,
    ])
    expect(result.code).toBe(2)
    expect(result.stderr).toBe(
      `auditseal: ${missing} holds no auditseal database (check --data-dir, or give --database-url)\n`,
    )
    expect(existsSync(missing)).toBe(false)
  })

  it.each([
    [['ask_123', '--tenant', TENANT], '"ask_123" is not an API key id (24 lowercase hex digits'],
    [['0'.repeat(24), '--tenant', 'x'], '--tenant: "x" is not a UUID'],
    [['0'.repeat(24)], "required option '--tenant <uuid>' not specified"],
    [['--tenant', TENANT], "missing required argument 'id'"],
  ])('exits 2 for %j', async (args, message) => {
    const result = await auditseal(['api-key', 'revoke', ...args, '--data-dir', dataDir])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(message)
  })
})

describe('auditseal serve', () => {
  it.each([
    [['--port', '99999'], '--port: "99999" is not a port number (0 to 65535)'],
    [
      ['--read-database-url', 'postgres://r@replica/db'],
      '--read-database-url needs a primary as well',
    ],
    [['--log-name', 'has space'], '--log-name: "has space" is not a valid log name'],
    [
      ['--checkpoint-interval-ms', '0'],
      '--checkpoint-interval-ms: "0" is not a positive whole number',
    ],
    [
      ['--trust-proxy', 'proxy.internal'],
      '--trust-proxy: "proxy.internal" is not a list of IP addresses or CIDR ranges',
    ],
    [['--trust-proxy', 'true'], '--trust-proxy: "true" would trust every address'],
  ])('exits 2 before opening anything for %j', async (args, message) => {
    const result = await auditseal(['serve', ...args, '--data-dir', '/nonexistent/never-created'])
    expect(result.code).toBe(2)
    expect(result.stderr.startsWith(`auditseal: ${message}`)).toBe(true)
  })

  it('names the variable when the environment is wrong', async () => {
    const result = await auditseal(['serve'], { env: { AUDITSEAL_PORT: 'eighty' } })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('AUDITSEAL_PORT: "eighty" is not a port number')
  })

  it('explains every flag and its environment variable in --help', async () => {
    const result = await auditseal(['serve', '--help'])
    expect(result.code).toBe(0)
    for (const text of [
      '--port',
      '--host',
      '--data-dir',
      '--database-url',
      '--read-database-url',
      '--log-name',
      '--checkpoint-dir',
      '--checkpoint-interval-ms',
      '--trust-proxy',
      'AUDITSEAL_PORT',
      'AUDITSEAL_TRUST_PROXY',
      'DATABASE_READ_URL',
      'AUDITSEAL_JWT_JWKS_URL',
      'docs/operations.md',
    ]) {
      expect(result.stdout).toContain(text)
    }
  })
})
