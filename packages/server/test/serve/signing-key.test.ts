import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { encodePrivateKey, generateSigningKey } from '@auditseal/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ConfigError } from '../../src/config/index.js'
import { nodeCrypto } from '../../src/crypto/node-crypto.js'
import { loadOrCreateSigningKey } from '../../src/server/signing-key.js'
import { listenUrl } from '../../src/server/url.js'

/** A log with no events yet: a missing key file is created. */
const NEW_LOG = { logHoldsEvents: false }

describe('loadOrCreateSigningKey', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'auditseal-key-'))
  })
  afterEach(() => rm(dir, { recursive: true, force: true }))

  it('creates a PRIVATE+KEY file with mode 0600 on first use, and reads the same key after', async () => {
    const file = join(dir, 'nested', 'signing.key')
    const first = await loadOrCreateSigningKey(file, 'audit.example', NEW_LOG)
    expect(first.created).toBe(true)
    expect(first.warning).toBeUndefined()
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    expect(await readFile(file, 'utf8')).toMatch(
      /^PRIVATE\+KEY\+audit\.example\+[0-9a-f]{8}\+\S+\n$/,
    )

    const second = await loadOrCreateSigningKey(file, 'audit.example', NEW_LOG)
    expect(second.created).toBe(false)
    expect(Buffer.from(second.key.seed)).toEqual(Buffer.from(first.key.seed))
  })

  it('gives concurrent starters the same key and writes it once', async () => {
    const file = join(dir, 'signing.key')
    const keys = await Promise.all(
      [1, 2, 3].map(() => loadOrCreateSigningKey(file, 'a.example', NEW_LOG)),
    )
    expect(new Set(keys.map((k) => Buffer.from(k.key.seed).toString('hex'))).size).toBe(1)
    expect(keys.filter((k) => k.created)).toHaveLength(1)
  })

  it('refuses to create a key for a log that already holds events, and creates nothing', async () => {
    const file = join(dir, 'mount-that-failed', 'signing.key')
    await expect(
      loadOrCreateSigningKey(file, 'audit.example', { logHoldsEvents: true }),
    ).rejects.toThrow(`signing key ${file} does not exist, but the log already holds events`)
    await expect(stat(join(dir, 'mount-that-failed'))).rejects.toMatchObject({ code: 'ENOENT' })
    // An existing key is read whatever the log holds.
    const existing = join(dir, 'existing.key')
    await loadOrCreateSigningKey(existing, 'audit.example', NEW_LOG)
    const loaded = await loadOrCreateSigningKey(existing, 'audit.example', { logHoldsEvents: true })
    expect(loaded.created).toBe(false)
  })

  it('uses an existing key made by `auditseal keygen`, and warns when others can read it', async () => {
    const file = join(dir, 'keygen.key')
    const key = generateSigningKey(nodeCrypto, 'audit.example', new Uint8Array(32).fill(7))
    await writeFile(file, `${encodePrivateKey(key)}\n`)
    await chmod(file, 0o644)
    const loaded = await loadOrCreateSigningKey(file, 'audit.example', NEW_LOG)
    expect(loaded.key.keyId).toBe(key.keyId)
    expect(loaded.warning).toBe(`signing key ${file} has mode 644; run chmod 600 on it`)
  })

  it('refuses a key of another log name, and a file that is not a key, without changing them', async () => {
    const file = join(dir, 'signing.key')
    await loadOrCreateSigningKey(file, 'one.example', NEW_LOG)
    const before = await readFile(file, 'utf8')
    await expect(loadOrCreateSigningKey(file, 'two.example', NEW_LOG)).rejects.toThrow(ConfigError)
    expect(await readFile(file, 'utf8')).toBe(before)

    const garbage = join(dir, 'garbage.key')
    await writeFile(garbage, 'not a key\n')
    await expect(loadOrCreateSigningKey(garbage, 'one.example', NEW_LOG)).rejects.toThrow(
      `signing key ${garbage} is not a valid key`,
    )
    expect(await readFile(garbage, 'utf8')).toBe('not a key\n')
  })
})

describe('listenUrl', () => {
  it('prints a wildcard address as the loopback one, and brackets IPv6', () => {
    expect(listenUrl({ address: '127.0.0.1', family: 'IPv4', port: 3000 }, '127.0.0.1')).toBe(
      'http://127.0.0.1:3000',
    )
    expect(listenUrl({ address: '0.0.0.0', family: 'IPv4', port: 80 }, '0.0.0.0')).toBe(
      'http://127.0.0.1:80',
    )
    expect(listenUrl({ address: '::', family: 'IPv6', port: 8080 }, '::')).toBe('http://[::1]:8080')
    expect(listenUrl({ address: '::1', family: 'IPv6', port: 1 }, '::1')).toBe('http://[::1]:1')
  })
})
