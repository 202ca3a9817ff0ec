import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ConfigError, ensureJwtSecret, loadConfig } from '../../src/config/index.js'

describe('ensureJwtSecret', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'auditseal-config-'))
  })
  afterEach(() => rm(dir, { recursive: true, force: true }))

  describe('in development, with no secret configured', () => {
    it('creates <dataDir>/jwt.secret (mode 0600) once, and reads the same secret afterwards', async () => {
      const dataDir = join(dir, 'data')
      const first = await ensureJwtSecret(loadConfig({ dataDir }, {}))
      const file = join(dataDir, 'jwt.secret')
      expect(first.developmentSecret).toEqual({ file, created: true })
      expect((await stat(file)).mode & 0o777).toBe(0o600)
      expect(first.config.jwt.secret).toBe((await readFile(file, 'utf8')).trim())
      expect(first.config.jwt.secret?.length).toBeGreaterThanOrEqual(32)
      expect(Object.isFrozen(first.config.jwt)).toBe(true)

      const second = await ensureJwtSecret(loadConfig({ dataDir }, {}))
      expect(second.developmentSecret).toEqual({ file, created: false })
      expect(second.config.jwt.secret).toBe(first.config.jwt.secret)
    })

    it('gives concurrent starters (serve and token) the same secret', async () => {
      const config = loadConfig({ dataDir: dir }, {})
      const results = await Promise.all([1, 2, 3, 4].map(() => ensureJwtSecret(config)))
      expect(new Set(results.map((r) => r.config.jwt.secret)).size).toBe(1)
      expect(results.filter((r) => r.developmentSecret?.created).length).toBe(1)
    })

    it('refuses a secret file that was cut short', async () => {
      await writeFile(join(dir, 'jwt.secret'), 'short\n')
      await expect(ensureJwtSecret(loadConfig({ dataDir: dir }, {}))).rejects.toThrow(
        new ConfigError(
          `${join(dir, 'jwt.secret')}: the secret is 5 characters; use at least 32 (e.g. the output of \`openssl rand -base64 32\`)`,
        ),
      )
    })
  })

  it('leaves a configured secret or a JWKS setup alone and writes nothing', async () => {
    const withSecret = loadConfig({ dataDir: dir }, { AUDITSEAL_JWT_SECRET: 'x'.repeat(32) })
    expect((await ensureJwtSecret(withSecret)).config).toBe(withSecret)
    const withJwks = loadConfig(
      { dataDir: dir },
      {
        AUDITSEAL_JWT_JWKS_URL: 'https://id.example.com/jwks',
        AUDITSEAL_JWT_ISSUER: 'i',
        AUDITSEAL_JWT_AUDIENCE: 'a',
      },
    )
    const resolved = await ensureJwtSecret(withJwks)
    expect(resolved.config).toBe(withJwks)
    expect(resolved.developmentSecret).toBeUndefined()
    await expect(stat(join(dir, 'jwt.secret'))).rejects.toThrow(/ENOENT/)
  })
})
