import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, DEFAULTS, loadConfig } from '../../src/config/index.js'
import type { ConfigEnv, ConfigFlags } from '../../src/config/index.js'

const SECRET = 'a-development-secret-of-32-chars!'

function failure(flags: ConfigFlags, env: ConfigEnv = {}): ConfigError {
  try {
    loadConfig(flags, env)
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return error as ConfigError
  }
  throw new Error('loadConfig accepted the configuration')
}

describe('loadConfig', () => {
  describe('with nothing given', () => {
    it('uses the documented defaults, with paths made absolute', () => {
      const config = loadConfig({}, {})
      expect(config).toEqual({
        host: '127.0.0.1',
        port: 3000,
        dataDir: resolve('.auditseal'),
        logName: 'auditseal.local',
        signingKeyFile: resolve('.auditseal', 'signing.key'),
        checkpointIntervalMs: 1000,
        jwt: { tenantClaim: 'tenant_id' },
        rateLimit: { max: DEFAULTS.rateLimitMax, windowMs: DEFAULTS.rateLimitWindowMs },
        bodyLimitBytes: 4 * 1024 * 1024,
        logLevel: 'info',
      })
    })
  })

  describe('precedence', () => {
    it('takes a flag over its environment variable, and the variable over the default', () => {
      const env = { AUDITSEAL_PORT: '4000', AUDITSEAL_HOST: '0.0.0.0' }
      const config = loadConfig({ port: '5000' }, env)
      expect(config.port).toBe(5000)
      expect(config.host).toBe('0.0.0.0')
    })

    it('treats an empty environment variable as unset', () => {
      expect(loadConfig({}, { AUDITSEAL_PORT: '', DATABASE_URL: '' }).port).toBe(3000)
      expect(loadConfig({}, { DATABASE_URL: '' }).databaseUrl).toBeUndefined()
    })

    it('reads every setting from its variable', () => {
      const config = loadConfig(
        {},
        {
          AUDITSEAL_PORT: '8080',
          AUDITSEAL_HOST: '::',
          AUDITSEAL_DATA_DIR: '/var/lib/auditseal',
          AUDITSEAL_LOG_NAME: 'audit.example.com',
          AUDITSEAL_SIGNING_KEY_FILE: '/etc/auditseal/key',
          AUDITSEAL_CHECKPOINT_INTERVAL_MS: '250',
          AUDITSEAL_CHECKPOINT_DIR: '/srv/checkpoints',
          AUDITSEAL_JWT_JWKS_URL: 'https://id.example.com/.well-known/jwks.json',
          AUDITSEAL_JWT_ISSUER: 'https://id.example.com/',
          AUDITSEAL_JWT_AUDIENCE: 'auditseal',
          AUDITSEAL_JWT_TENANT_CLAIM: 'https://example.com/tenant',
          AUDITSEAL_JWT_MAX_AGE_S: '900',
          AUDITSEAL_RATE_LIMIT_MAX: '10',
          AUDITSEAL_RATE_LIMIT_WINDOW_MS: '1000',
          AUDITSEAL_BODY_LIMIT_BYTES: '1024',
          AUDITSEAL_LOG_LEVEL: 'warn',
          AUDITSEAL_TRUST_PROXY: '10.0.0.5',
          DATABASE_URL: 'postgres://app@db:5432/audit',
          DATABASE_READ_URL: 'postgresql://app@replica:5432/audit',
        },
      )
      expect(config).toEqual({
        host: '::',
        port: 8080,
        dataDir: '/var/lib/auditseal',
        databaseUrl: 'postgres://app@db:5432/audit',
        readDatabaseUrl: 'postgresql://app@replica:5432/audit',
        logName: 'audit.example.com',
        signingKeyFile: '/etc/auditseal/key',
        checkpointIntervalMs: 250,
        checkpointDir: '/srv/checkpoints',
        jwt: {
          jwksUrl: 'https://id.example.com/.well-known/jwks.json',
          issuer: 'https://id.example.com/',
          audience: 'auditseal',
          tenantClaim: 'https://example.com/tenant',
          maxAgeSeconds: 900,
        },
        rateLimit: { max: 10, windowMs: 1000 },
        bodyLimitBytes: 1024,
        logLevel: 'warn',
        trustProxy: ['10.0.0.5'],
      })
    })

    it('puts the signing key in the data directory unless told otherwise', () => {
      expect(loadConfig({ dataDir: '/tmp/x' }, {}).signingKeyFile).toBe(
        join('/tmp/x', 'signing.key'),
      )
      expect(loadConfig({ dataDir: '/tmp/x', signingKeyFile: '/k' }, {}).signingKeyFile).toBe('/k')
    })

    it('accepts numbers from tests as well as strings from the command line', () => {
      const config = loadConfig({ port: 0, checkpointIntervalMs: 50 }, {})
      expect(config.port).toBe(0)
      expect(config.checkpointIntervalMs).toBe(50)
    })
  })

  describe('the result', () => {
    it('is frozen all the way down', () => {
      const config = loadConfig({}, { AUDITSEAL_JWT_SECRET: SECRET })
      expect(Object.isFrozen(config)).toBe(true)
      expect(Object.isFrozen(config.jwt)).toBe(true)
      expect(Object.isFrozen(config.rateLimit)).toBe(true)
      expect(() => {
        ;(config as { port: number }).port = 1
      }).toThrow(TypeError)
    })
  })

  describe('when a value is wrong, the error names its source and the value', () => {
    it.each([
      [{ port: '70000' }, {}, '--port: "70000" is not a port number (0 to 65535)'],
      [{ port: 'http' }, {}, '--port: "http" is not a port number'],
      [{ port: '-1' }, {}, '--port: "-1"'],
      [{ port: '080' }, {}, '--port: "080"'],
      [{}, { AUDITSEAL_PORT: '3.5' }, 'AUDITSEAL_PORT: "3.5" is not a port number'],
      [{ host: 'my host' }, {}, '--host: "my host" is not a host name or address'],
      [{ dataDir: ' ' }, {}, '--data-dir: " " is not a path'],
      [
        { databaseUrl: 'localhost:5432' },
        {},
        '--database-url: "localhost:5432" is not a PostgreSQL URL',
      ],
      [{ databaseUrl: 'not a url' }, {}, '--database-url: "not a url" is not a URL'],
      [
        {},
        { DATABASE_URL: 'mysql://x@y/z' },
        'DATABASE_URL: "mysql://x@y/z" is not a PostgreSQL URL',
      ],
      [
        { databaseUrl: 'postgres://u@h/d', readDatabaseUrl: 'http://replica' },
        {},
        '--read-database-url: "http://replica" is not a PostgreSQL URL',
      ],
      [{ logName: 'my log' }, {}, '--log-name: "my log" is not a valid log name'],
      [{ logName: 'a+b' }, {}, '--log-name: "a+b" is not a valid log name'],
      [{}, { AUDITSEAL_LOG_NAME: '' + 'x y' }, 'AUDITSEAL_LOG_NAME: "x y"'],
      [
        { checkpointIntervalMs: '0' },
        {},
        '--checkpoint-interval-ms: "0" is not a positive whole number',
      ],
      [{ checkpointIntervalMs: '1.5' }, {}, '--checkpoint-interval-ms: "1.5"'],
      [{}, { AUDITSEAL_CHECKPOINT_INTERVAL_MS: '1e3' }, 'AUDITSEAL_CHECKPOINT_INTERVAL_MS: "1e3"'],
      [
        {},
        { AUDITSEAL_RATE_LIMIT_MAX: '0' },
        'AUDITSEAL_RATE_LIMIT_MAX: "0" is not a positive whole number',
      ],
      [{}, { AUDITSEAL_RATE_LIMIT_WINDOW_MS: '-5' }, 'AUDITSEAL_RATE_LIMIT_WINDOW_MS: "-5"'],
      [{}, { AUDITSEAL_BODY_LIMIT_BYTES: 'lots' }, 'AUDITSEAL_BODY_LIMIT_BYTES: "lots"'],
      [
        {},
        { AUDITSEAL_BODY_LIMIT_BYTES: '99999999999' },
        'AUDITSEAL_BODY_LIMIT_BYTES: "99999999999"',
      ],
      [{ logLevel: 'loud' }, {}, '--log-level: "loud" is not a log level (one of fatal, error'],
      [{ checkpointDir: '' }, {}, '--checkpoint-dir: "" is not a path'],
      [{ signingKeyFile: '' }, {}, '--signing-key-file: "" is not a path'],
      [{}, { AUDITSEAL_JWT_TENANT_CLAIM: 'a\nb' }, 'AUDITSEAL_JWT_TENANT_CLAIM: "a\\nb"'],
      [{}, { AUDITSEAL_JWT_MAX_AGE_S: '1h' }, 'AUDITSEAL_JWT_MAX_AGE_S: "1h" is not a positive'],
    ] as [ConfigFlags, ConfigEnv, string][])('%o %o → %s', (flags, env, message) => {
      expect(failure(flags, env).message).toContain(message)
    })

    it('never echoes a database password', () => {
      const error = failure({ databaseUrl: 'mysql://admin:hunter2@db/x' })
      expect(error.message).toContain('mysql://admin:***@db/x')
      expect(error.message).not.toContain('hunter2')
    })

    it.each([
      ['postgres://app:my/secret@db.internal:5432/auditseal', 'postgres://app:***@db.internal'],
      ['postgres://app:p@ss/w:rd@db/x', 'percent-encode "/"'], // parses: host ss, refused
      ['postgres://app:my#secret@db/x', 'postgres://app:***@db/x'],
    ])('never echoes a password that keeps %s from parsing', (url, shown) => {
      for (const [flags, env] of [
        [{ databaseUrl: url }, {}],
        [{}, { DATABASE_URL: url }],
        [{ databaseUrl: 'postgres://db/a', readDatabaseUrl: url }, {}],
      ] as [ConfigFlags, ConfigEnv][]) {
        const { message } = failure(flags, env)
        expect(message).toContain(shown)
        expect(message).not.toMatch(/secret|ss\/w|rd@/)
      }
    })

    it('refuses, without echoing it, a password holding an unencoded "/" (read as host and port)', () => {
      const error = failure({ databaseUrl: 'postgres://app:8675/309x@db/a' })
      expect(error.message).toBe(
        '--database-url: the URL has an "@" after its host: percent-encode "/", "?" and "#" ' +
          'in the user name and password (e.g. %2F for "/")',
      )
      expect(loadConfig({ databaseUrl: 'postgres://app:8675%2F309x@db/a' }, {}).databaseUrl).toBe(
        'postgres://app:8675%2F309x@db/a',
      )
    })
  })

  describe('trusted proxies', () => {
    it('trusts none unless told (X-Forwarded-For is then ignored)', () => {
      expect(loadConfig({}, {}).trustProxy).toBeUndefined()
      expect(loadConfig({}, { AUDITSEAL_TRUST_PROXY: '' }).trustProxy).toBeUndefined()
    })

    it('reads a comma-separated list of addresses and CIDR ranges, flag over variable', () => {
      const env = { AUDITSEAL_TRUST_PROXY: '192.0.2.1' }
      expect(loadConfig({}, env).trustProxy).toEqual(['192.0.2.1'])
      const list = '127.0.0.1, 10.1.0.0/16,::1,2001:db8::/48 , ::ffff:10.0.0.1'
      expect(loadConfig({ trustProxy: list }, env).trustProxy).toEqual([
        '127.0.0.1',
        '10.1.0.0/16',
        '::1',
        '2001:db8::/48',
        '::ffff:10.0.0.1',
      ])
    })

    it.each([
      ['proxy.internal', 'proxy.internal'],
      ['loopback', 'loopback'],
      ['10.0.0.1,', ''],
      ['10.0.0.1,,10.0.0.2', ''],
      ['10.0.0.01', '10.0.0.01'],
      ['10.0.0.0/33', '10.0.0.0/33'],
      ['10.0.0.0/08', '10.0.0.0/08'],
      ['10.0.0.0/8/8', '10.0.0.0/8/8'],
      ['10.0.0.0/255.0.0.0', '10.0.0.0/255.0.0.0'],
      ['2001:db8::/129', '2001:db8::/129'],
      ['fe80::1%eth0', 'fe80::1%eth0'],
      ['10.0.0.1:8080', '10.0.0.1:8080'],
      ['1', '1'],
    ])('refuses %j, naming the entry', (value, entry) => {
      expect(failure({ trustProxy: value }).message).toBe(
        `--trust-proxy: ${JSON.stringify(value)} is not a list of IP addresses or CIDR ranges ` +
          `(${JSON.stringify(entry)} is neither; e.g. 10.0.0.5,10.1.0.0/16)`,
      )
    })

    it.each([
      ['true', 'true'],
      ['ALL', 'ALL'],
      ['*', '*'],
      ['0.0.0.0/0', '0.0.0.0/0'],
      ['10.0.0.1,::/0', '::/0'],
    ])('refuses %j: trusting every address would let any client choose its own', (value, entry) => {
      expect(failure({}, { AUDITSEAL_TRUST_PROXY: value }).message).toBe(
        `AUDITSEAL_TRUST_PROXY: ${JSON.stringify(value)} would trust every address ` +
          `(${JSON.stringify(entry)}): any client could then choose its own address with ` +
          "X-Forwarded-For; list your proxies' addresses instead",
      )
    })
  })

  describe('combinations', () => {
    it('refuses a read URL without a primary, from a flag or the environment', () => {
      expect(failure({ readDatabaseUrl: 'postgres://r@replica/d' }).message).toBe(
        '--read-database-url needs a primary as well: give --database-url or DATABASE_URL ' +
          '(the embedded database has no replica)',
      )
      expect(failure({}, { DATABASE_READ_URL: 'postgres://r@replica/d' }).message).toMatch(
        /^DATABASE_READ_URL needs a primary/,
      )
    })

    it('allows a data directory next to a database URL (it keeps the key files)', () => {
      const config = loadConfig({ dataDir: '/keys', databaseUrl: 'postgres://u@h/d' }, {})
      expect(config.signingKeyFile).toBe('/keys/signing.key')
    })

    it('needs an issuer and an audience with a JWKS URL', () => {
      const jwks = { AUDITSEAL_JWT_JWKS_URL: 'https://id.example.com/jwks' }
      expect(failure({}, jwks).message).toBe(
        'AUDITSEAL_JWT_JWKS_URL needs AUDITSEAL_JWT_ISSUER and AUDITSEAL_JWT_AUDIENCE as well: ' +
          'tokens from an identity provider are only accepted for a known issuer and audience',
      )
      expect(failure({}, { ...jwks, AUDITSEAL_JWT_ISSUER: 'i' }).message).toMatch(
        /^AUDITSEAL_JWT_JWKS_URL needs AUDITSEAL_JWT_AUDIENCE as well/,
      )
    })

    it('refuses a JWKS URL that is not http(s)', () => {
      const env = {
        AUDITSEAL_JWT_JWKS_URL: 'file:///etc/jwks.json',
        AUDITSEAL_JWT_ISSUER: 'i',
        AUDITSEAL_JWT_AUDIENCE: 'a',
      }
      expect(failure({}, env).message).toBe(
        'AUDITSEAL_JWT_JWKS_URL: "file:///etc/jwks.json" is not an http(s) URL',
      )
    })

    it('refuses a secret and a JWKS URL together', () => {
      const env = {
        AUDITSEAL_JWT_SECRET: SECRET,
        AUDITSEAL_JWT_JWKS_URL: 'https://id.example.com/jwks',
        AUDITSEAL_JWT_ISSUER: 'i',
        AUDITSEAL_JWT_AUDIENCE: 'a',
      }
      expect(failure({}, env).message).toMatch(/both set/)
    })

    it('refuses a short secret without echoing it', () => {
      const error = failure({}, { AUDITSEAL_JWT_SECRET: 'hunter2' })
      expect(error.message).toBe(
        'AUDITSEAL_JWT_SECRET: the secret is 7 characters; use at least 32 ' +
          '(e.g. the output of `openssl rand -base64 32`)',
      )
    })
  })
})
