// The built command line, run as a user runs it (npm test builds dist/ before the tests).
import { execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  canonicalJson,
  deriveSigner,
  parsePrivateKey,
  parseVerifierKey,
  verifierKeyString,
} from '@auditseal/core'
import { nodeCrypto } from '../../src/crypto/node-crypto.js'
import { eventJson } from '../../src/store/event-rows.js'
import { createPostgresDatabase, type PostgresTestDatabase } from '../support/databases.js'
import { makeEvents, newTenantId } from '../support/events.js'

const CLI = new URL('../../dist/cli.js', import.meta.url).pathname

async function auditseal(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return run('node', [CLI, ...args])
}

/** auditseal with files limited to `kib` KiB (ulimit -f), so that writing one fails: EFBIG. */
async function auditsealWithFileLimit(
  kib: number,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  // POSIX sh counts ulimit -f in 512-byte blocks.
  return run('sh', ['-c', `ulimit -f ${kib * 2} && exec node "$@"`, 'sh', CLI, ...args])
}

async function run(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(file, args, {
      env: { ...withoutDatabaseUrl(), ...env },
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

describe('--database-url that is not a PostgreSQL URL', () => {
  // Before the check, pg read http://…/db as host and port 5432 and connected without a user:
  // "no PostgreSQL user name specified in startup packet". Every command says what serve says.
  const tenant = '0190d0a8-0000-7000-8000-000000000001'
  const notPostgres = 'http://auditor:secret@127.0.0.1/auditseal'
  const message =
    '--database-url: "http://auditor:***@127.0.0.1/auditseal" is not a PostgreSQL URL ' +
    '(expected postgres://user@host:5432/database)'

  it.each([
    [['migrate']],
    [['verify', '--tenant', tenant, '--vkey', 'auditseal.local/x+00000000+AA==']],
    [['export', '--format', 'ndjson', '--tenant', tenant]],
    [['checkpoint', '--tenant', tenant]],
    [['api-key', 'create', '--tenant', tenant, '--scopes', 'read']],
  ])('%j exits 2 saying so, the password hidden, before connecting', async (command) => {
    const result = await auditseal(...command, '--database-url', notPostgres)
    expect(result).toEqual({ code: 2, stdout: '', stderr: `auditseal: ${message}\n` })
  })

  it('names DATABASE_URL when migrate took the URL from there', async () => {
    const result = await run('node', [CLI, 'migrate'], { DATABASE_URL: 'http://127.0.0.1/x' })
    expect(result.code).toBe(2)
    expect(result.stderr).toBe(
      'auditseal: DATABASE_URL: "http://127.0.0.1/x" is not a PostgreSQL URL ' +
        '(expected postgres://user@host:5432/database)\n',
    )
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
  })

  it('never overwrites a key, and says so in words rather than as EEXIST', async () => {
    const out = join(dir, 'existing.key')
    await writeFile(out, 'the key auditors pinned\n')
    const again = await auditseal('keygen', '--name', 'audit.example', '--out', out)
    expect(again).toMatchObject({ code: 2, stdout: '' })
    expect(again.stderr).toBe(
      `auditseal: --out: ${out} exists already; keygen never overwrites a key ` +
        '(choose another file or delete it)\n',
    )
    expect(await readFile(out, 'utf8')).toBe('the key auditors pinned\n')
  })

  it('names --out when the file cannot be written (a missing folder), exit 2', async () => {
    const out = join(dir, 'no-such-folder', 'signing.key')
    const result = await auditseal('keygen', '--name', 'audit.example', '--out', out)
    expect(result).toMatchObject({ code: 2, stdout: '' })
    expect(result.stderr).toBe(
      `auditseal: --out: cannot write ${out}: ENOENT: no such file or directory, open '${out}'\n`,
    )
  })

  it('refuses a log name with a space or a plus', async () => {
    for (const name of ['bad name', 'a+b', '']) {
      const result = await auditseal('keygen', '--name', name)
      expect(result.code).toBe(2)
      expect(result.stderr).toContain('invalid log name')
    }
  })
})

describe('auditseal export --out', () => {
  // A stand-in for the audit API: GET /v1/log, and GET /v1/export with LINES lines, or with
  // the connection cut after the first line when the token is "cut", or only the first line
  // and then nothing (the answer kept open) when the token is "slow".
  const LINES = 2000
  const TENANT = '0190d0a8-5ee1-7b6c-9a0e-3f2d1c4b5a69'
  const line = (seq: number) => `${JSON.stringify({ seq, note: 'x'.repeat(500) })}\n`
  let server: Server
  let url: string
  let requests: string[]
  let dir: string

  beforeAll(async () => {
    server = createServer((request, response) => {
      requests.push(request.url ?? '')
      if (request.url === '/v1/log') {
        response.setHeader('content-type', 'application/json')
        const origin = `test/${TENANT}`
        response.end(JSON.stringify({ origin, vkey: `${origin}+0+x`, tree_size: LINES }))
        return
      }
      response.writeHead(200, { 'content-type': 'application/x-ndjson' })
      if (request.headers.authorization === 'Bearer cut') {
        response.write(line(0), () => setTimeout(() => response.socket?.destroy(), 20))
        return
      }
      if (request.headers.authorization === 'Bearer slow') {
        response.write(line(0))
        return
      }
      let body = ''
      for (let seq = 0; seq < LINES; seq++) body += line(seq)
      response.end(body)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    dir = await mkdtemp(join(tmpdir(), 'auditseal-export-cli-'))
  })
  afterAll(async () => {
    server?.closeAllConnections() // the "slow" answers, should a test leave one open
    await new Promise((resolve) => server?.close(resolve))
    await rm(dir, { recursive: true, force: true })
  })
  beforeEach(async () => {
    requests = []
    for (const name of await readdir(dir)) await rm(join(dir, name))
  })

  const exportTo = (out: string, ...args: string[]) => [
    'export',
    '--format',
    'ndjson',
    '--url',
    url,
    '--token',
    'k',
    '--out',
    out,
    ...args,
  ]

  it('writes the whole export under the name given, and nothing else', async () => {
    const out = join(dir, 'log.ndjson')
    const result = await auditseal(...exportTo(out, '--from', '2024-03-07T11:00:00.5+01:00'))
    expect(result).toMatchObject({
      code: 0,
      stderr: `auditseal: exported ${LINES} events to ${out}\n`,
    })
    expect((await readFile(out, 'utf8')).split('\n')).toHaveLength(LINES + 1)
    expect(await readdir(dir)).toEqual(['log.ndjson'])
    expect(requests).toEqual([
      `/v1/export?format=ndjson&from=${encodeURIComponent('2024-03-07T11:00:00.5+01:00')}`,
    ])
  })

  it('exits 2 with one line, not a stack trace, when the file cannot be created', async () => {
    // The API is asked first (GET /v1/log, which may refuse --tenant), then the file is created.
    const result = await auditseal(...exportTo('/nonexistent/dir/f.ndjson'))
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(
      /^auditseal: cannot write \/nonexistent\/dir\/f\.ndjson: ENOENT: no such file or directory, open '[^\n]*'\n$/,
    )
  })

  it.each([
    [['--from', 'March 7 2024'], '--from: "March 7 2024" is not an RFC 3339 date-time'],
    [['--to', '2024-03-07'], '--to: "2024-03-07" is not an RFC 3339 date-time'],
    [
      ['--from', '2024-03-08T00:00:00Z', '--to', '2024-03-07T00:00:00Z'],
      '--from: "2024-03-08T00:00:00Z" is after --to "2024-03-07T00:00:00Z"',
    ],
    [['--url', 'ftp://x'], '--url: ftp: is not http: or https:'],
    [['--database-url', 'postgres://nobody@127.0.0.1:1/x'], 'give one source'],
  ])('exits 2 for %j before sending a request or creating a file', async (args, message) => {
    const result = await auditseal(...exportTo(join(dir, 'log.ndjson'), ...args))
    expect(result.code).toBe(2)
    expect(result.stderr.startsWith(`auditseal: ${message}`)).toBe(true)
    expect(result.stderr).toMatch(/^[^\n]*\n$/)
    expect(requests).toEqual([])
    expect(await readdir(dir)).toEqual([])
  })

  it('exits 2 for a missing --tenant or --token, leaving no file', async () => {
    const out = join(dir, 'log.ndjson')
    const database = ['--database-url', 'postgres://nobody@127.0.0.1:1/x']
    for (const [args, message] of [
      [['export', '--format', 'csv', ...database, '--out', out], '--database-url needs --tenant'],
      [
        ['export', '--format', 'csv', ...database, '--tenant', 'acme', '--out', out],
        '--tenant: "acme" is not a UUID',
      ],
      [['export', '--format', 'csv', '--url', url, '--out', out], '--url needs --token'],
    ] as const) {
      const result = await auditseal(...args)
      expect(result.code).toBe(2)
      expect(result.stderr).toContain(`auditseal: ${message}`)
      expect(await readdir(dir)).toEqual([])
    }
  })

  it('leaves the file it would replace as it was when the answer breaks off midway', async () => {
    const out = join(dir, 'log.ndjson')
    await writeFile(out, 'the previous export\n')
    const result = await auditseal(...exportTo(out).map((arg) => (arg === 'k' ? 'cut' : arg)))
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^auditseal: GET \/v1\/export: the answer broke off: [^\n]*\n$/)
    expect(await readFile(out, 'utf8')).toBe('the previous export\n')
    expect(await readdir(dir)).toEqual(['log.ndjson'])
  })

  it('exits 2, saying why, when the file cannot take the export (EFBIG), leaving no part of it', async () => {
    const out = join(dir, 'log.ndjson')
    await writeFile(out, 'the previous export\n')
    const result = await auditsealWithFileLimit(64, ...exportTo(out))
    expect(result.code).toBe(2)
    expect(result.stderr).toBe(`auditseal: cannot write ${out}: EFBIG: file too large, write\n`)
    expect(await readFile(out, 'utf8')).toBe('the previous export\n')
    expect(await readdir(dir)).toEqual(['log.ndjson'])
  })

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)(
    'on %s midway, removes the partial file, leaves FILE as it was and exits %i saying so',
    async (signal, code) => {
      const out = join(dir, 'log.ndjson')
      await writeFile(out, 'the previous export\n')
      const child = spawn('node', [CLI, ...exportTo(out).map((a) => (a === 'k' ? 'slow' : a))], {
        env: withoutDatabaseUrl(),
      })
      let stderr = ''
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
      const closed = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>
      // The first line has reached the temporary file: the export is under way.
      await expect.poll(() => temporaryBytes(dir, 'log.ndjson')).toBeGreaterThan(0)
      child.kill(signal)
      const [exitCode, killedBy] = await closed
      expect({ exitCode, killedBy, stderr }).toEqual({
        exitCode: code,
        killedBy: null,
        stderr: `auditseal: export interrupted; ${out} was not written\n`,
      })
      expect(await readFile(out, 'utf8')).toBe('the previous export\n')
      expect(await readdir(dir)).toEqual(['log.ndjson'])
    },
  )

  it('refuses a --tenant other than the one the token reads, before creating a file', async () => {
    const other = '0190d0a8-5ee1-7b6c-9a0e-000000000000'
    const result = await auditseal(...exportTo(join(dir, 'log.ndjson'), '--tenant', other))
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr:
        `auditseal: --tenant: the API exports the log test/${TENANT} to this token, not ` +
        `tenant ${other} (the token decides the tenant)\n`,
    })
    expect(requests).toEqual(['/v1/log'])
    expect(await readdir(dir)).toEqual([])
  })

  it("takes a --tenant that is the token's, in any case", async () => {
    const out = join(dir, 'log.ndjson')
    const result = await auditseal(...exportTo(out, '--tenant', TENANT.toUpperCase()))
    expect(result).toMatchObject({
      code: 0,
      stderr: `auditseal: exported ${LINES} events to ${out}\n`,
    })
    expect(requests).toEqual(['/v1/log', '/v1/export?format=ndjson'])
  })
})

/** Bytes in the temporary file of an export to `dir/name`, 0 while there is none. */
async function temporaryBytes(dir: string, name: string): Promise<number> {
  const temporary = (await readdir(dir)).find(
    (f) => f.startsWith(`.${name}.`) && f.endsWith('.tmp'),
  )
  if (temporary === undefined) return 0
  return stat(join(dir, temporary)).then(
    (info) => info.size,
    () => 0, // removed meanwhile
  )
}

describe('auditseal verify, interrupted', () => {
  let dir: string
  let temporary: string
  let file: string
  let vkey: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'auditseal-verify-cli-'))
    temporary = join(dir, 'tmp')
    await mkdir(temporary)
    const tenant = newTenantId()
    const signer = deriveSigner(nodeCrypto, randomBytes(32), `verify.auditseal.local/${tenant}`)
    vkey = verifierKeyString(signer.name, signer.keyId, signer.publicKey)
    // Random ids, so that the check for ids sealed twice sorts and writes its runs; no
    // checkpoint, so that every event gets the full checks: seconds of work to interrupt.
    const hash = new Uint8Array(32)
    const lines = makeEvents(tenant, 60_000).map((event, seq) => {
      const sealed = { ...event, id: randomUUID(), recorded_at: event.occurred_at }
      return `${eventJson({ seq, canonical: canonicalJson(sealed), leafHash: hash })}\n`
    })
    file = join(dir, 'export.ndjson')
    await writeFile(file, lines.join(''))
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('on %s, removes its temporary files and exits %i saying so', async (signal, code) => {
    const child = spawn('node', [CLI, 'verify', '--export', file, '--vkey', vkey], {
      env: { ...withoutDatabaseUrl(), TMPDIR: temporary },
    })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const closed = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>
    // The check's temporary folder is there: the verification is under way.
    await expect.poll(async () => (await readdir(temporary)).length).toBe(1)
    child.kill(signal)
    const [exitCode, killedBy] = await closed
    expect({ exitCode, killedBy, stderr }).toEqual({
      exitCode: code,
      killedBy: null,
      stderr: 'auditseal: verification interrupted\n',
    })
    expect(await readdir(temporary)).toEqual([])
  })

  it('while a request is under way (a server that never answers), still exits 130', async () => {
    const silent = createServer(() => {}) // takes the request, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = silent.address() as AddressInfo
      const child = spawn('node', [CLI, 'verify', '--url', `http://127.0.0.1:${port}`], {
        env: { ...withoutDatabaseUrl(), AUDITSEAL_TOKEN: 'k', TMPDIR: temporary },
      })
      let stderr = ''
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
      const closed = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>
      const connected = once(silent, 'request')
      await connected
      // The request never ends (the client sets no timeout): only the interrupt's grace
      // period can end the run.
      child.kill('SIGINT')
      const [exitCode] = await closed
      expect({ exitCode, stderr }).toEqual({
        exitCode: 130,
        stderr: 'auditseal: verification interrupted\n',
      })
    } finally {
      silent.closeAllConnections()
      await new Promise((resolve) => silent.close(resolve))
    }
  })
})
