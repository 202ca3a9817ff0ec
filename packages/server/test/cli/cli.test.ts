// The built command line, run as a user runs it (npm test builds dist/ before the tests).
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parsePrivateKey, parseVerifierKey } from '@auditseal/core'
import { nodeCrypto } from '../../src/crypto/node-crypto.js'
import { createPostgresDatabase, type PostgresTestDatabase } from '../support/databases.js'

const CLI = new URL('../../dist/cli.js', import.meta.url).pathname

async function auditseal(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)('node', [CLI, ...args], {
      env: withoutDatabaseUrl(),
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

function withoutDatabaseUrl(): NodeJS.ProcessEnv {
  const env = { ...process.env }
  delete env.DATABASE_URL
  return env
}

describe('auditseal migrate', () => {
  let database: PostgresTestDatabase

  beforeAll(async () => {
    database = await createPostgresDatabase({ migrate: false })
  })
  afterAll(async () => database?.drop())

  it('applies every migration once, then reports the database up to date', async () => {
    const first = await auditseal('migrate', '--database-url', database.url)
    expect(first.code).toBe(0)
    expect(first.stdout).toContain('applied 0001_roles')
    expect(first.stdout).toMatch(/\d+ migration\(s\) applied/)
    const tables = await database.db.adminQuery<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'auditseal'`,
    )
    expect(tables[0]?.n).toBeGreaterThanOrEqual(4)
    const second = await auditseal('migrate', '--database-url', database.url)
    expect(second.code).toBe(0)
    expect(second.stdout).toContain('up to date')
  })

  it('exits 2 with a message when the URL is missing or the server unreachable', async () => {
    const missing = await auditseal('migrate')
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('--database-url')
    const unreachable = await auditseal(
      'migrate',
      '--database-url',
      'postgres://nobody@127.0.0.1:1/x',
    )
    expect(unreachable.code).toBe(2)
    expect(unreachable.stderr).toMatch(/^auditseal: /)
  })
})

describe('auditseal keygen', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'auditseal-keygen-'))
  })
  afterAll(async () => rm(dir, { recursive: true, force: true }))

  it('writes a private key file readable by its owner only, and prints its verifier key', async () => {
    const out = join(dir, 'signing.key')
    const result = await auditseal('keygen', '--name', 'audit.example', '--out', out)
    expect(result.code).toBe(0)
    expect((await stat(out)).mode & 0o777).toBe(0o600)
    const key = parsePrivateKey(nodeCrypto, (await readFile(out, 'utf8')).trim())
    expect(key.name).toBe('audit.example')
    const vkey = /verifier key: (\S+)/.exec(result.stdout)?.[1]
    expect(parseVerifierKey(nodeCrypto, vkey ?? '').publicKey).toEqual(key.publicKey)
    // Never overwrites an existing key.
    const again = await auditseal('keygen', '--name', 'audit.example', '--out', out)
    expect(again.code).toBe(2)
    expect(again.stderr).toContain('EEXIST')
  })

  it('refuses a log name with a space or a plus', async () => {
    for (const name of ['bad name', 'a+b', '']) {
      const result = await auditseal('keygen', '--name', name)
      expect(result.code).toBe(2)
      expect(result.stderr).toContain('invalid log name')
    }
  })
})
