// Authentication and roles: API keys (stored hashed, scoped, revocable) and JWTs (HS256 in
// development; JWKS + issuer + audience in production, served here from a local server),
// which role may call which route, 401 versus 403, the auth-failure hook, rate limits.

import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import type { JWK } from 'jose'
import {
  createApiKey,
  requireRoles,
  revokeApiKey,
  signDevelopmentToken,
} from '../../src/http/index.js'
import { apiKeyIdOf } from '../../src/http/auth/api-keys.js'
import { addressKey } from '../../src/http/rate-limit.js'
import type { TestDatabase } from '../support/databases.js'
import { ENGINES } from '../support/databases.js'
import { makeEvent, newTenantId } from '../support/events.js'
import { SYSTEM_TENANT_ID } from '@auditseal/core'
import type { TestApp } from './support.js'
import { apiError, bearer, JWT_SECRET, json, startTestApp } from './support.js'

/** Lets onResponse hooks (which run after the reply is sent) finish. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 5))

describe.each(ENGINES)('authentication on $name', ({ create }) => {
  let database: TestDatabase
  let t: TestApp
  let eventId: string

  beforeAll(async () => {
    database = await create()
    t = await startTestApp(database.db)
    // A gateway-like route, registered after buildApp as the serve composition does.
    t.app.get('/devices', { config: requireRoles('operator') }, async (request) => ({
      sub: request.principal?.subject,
    }))
    t.app.get('/manual-forbidden', async (_request, reply) => reply.code(403).send({ no: 1 }))
    const event = makeEvent(t.tenant, 0)
    eventId = event.id
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: t.auth.admin,
      payload: { events: [event] },
    })
    expect(response.statusCode).toBe(201)
  })
  afterAll(async () => {
    await t?.close()
    await database?.drop()
  })

  const audit = () => [
    { method: 'POST' as const, url: '/v1/events', payload: { events: [makeEvent(t.tenant, 1)] } },
    { method: 'GET' as const, url: '/v1/events' },
    { method: 'GET' as const, url: `/v1/events/${eventId}` },
    { method: 'GET' as const, url: `/v1/events/${eventId}/proof` },
    { method: 'GET' as const, url: '/v1/log' },
    { method: 'GET' as const, url: '/v1/checkpoints/latest' },
    { method: 'GET' as const, url: '/v1/checkpoints' },
    { method: 'GET' as const, url: '/v1/proofs/consistency?from=1&to=1' },
    { method: 'GET' as const, url: '/v1/export' },
  ]

  /** Which credential may call each audit route: ingest writes, read reads, admin both. */
  it.each([
    ['admin key', 'admin', [true, true, true, true, true, true, true, true, true]],
    ['read key', 'read', [false, true, true, true, true, true, true, true, true]],
    ['ingest key', 'ingest', [true, false, false, false, false, false, false, false, false]],
    ['auditor JWT', 'auditorJwt', [false, true, true, true, true, true, true, true, true]],
    [
      'operator JWT',
      'operatorJwt',
      [false, false, false, false, false, false, false, false, false],
    ],
  ] as const)('%s: allowed exactly where its role is', async (_name, credential, allowed) => {
    const routes = audit()
    for (const [i, route] of routes.entries()) {
      const response = await t.app.inject({ ...route, headers: t.auth[credential] })
      const ok = allowed[i]
      if (ok) {
        expect(response.statusCode, `${route.method} ${route.url}: ${response.body}`).toBeLessThan(
          300,
        )
      } else {
        expect(response.statusCode, `${route.method} ${route.url}`).toBe(403)
        expect(apiError(response).code).toBe('forbidden')
        expect(response.headers['www-authenticate']).toBeUndefined()
      }
    }
  })

  it('lets an operator JWT call a gateway route that requires operator, and no one else', async () => {
    const ok = await t.app.inject({ url: '/devices', headers: t.auth.operatorJwt })
    expect(ok.statusCode).toBe(200)
    expect(json(ok)).toEqual({ sub: 'user-1' })
    const admin = await t.app.inject({ url: '/devices', headers: t.auth.admin })
    expect(admin.statusCode).toBe(403)
  })

  describe('answers 401 unauthorized with WWW-Authenticate: Bearer for', () => {
    const cases: [string, () => Promise<Record<string, string>>][] = [
      ['no Authorization header', async () => ({})],
      ['another scheme', async () => ({ authorization: 'Basic dXNlcjpwYXNz' })],
      ['an empty bearer', async () => ({ authorization: 'Bearer ' })],
      ['a malformed API key', async () => bearer('ask_123_short')],
      ['an unknown API key id', async () => bearer(`ask_${'0'.repeat(24)}_${'A'.repeat(43)}`)],
      [
        'a known API key id with a wrong secret',
        async () => {
          const { id } = await createApiKey(t.db, { tenantId: t.tenant, scopes: ['read'] })
          return bearer(`ask_${id}_${'B'.repeat(43)}`)
        },
      ],
      [
        'a revoked API key',
        async () => {
          const { id, key } = await createApiKey(t.db, { tenantId: t.tenant, scopes: ['read'] })
          expect(await revokeApiKey(t.db, t.tenant, id)).toBe(true)
          expect(await revokeApiKey(t.db, t.tenant, id)).toBe(false)
          return bearer(key)
        },
      ],
      ['a malformed JWT', async () => bearer('not.a.jwt')],
      [
        'a JWT signed with another secret',
        async () =>
          bearer(
            await signDevelopmentToken('another-secret-another-secret-another!', {
              sub: 'u',
              tenantId: t.tenant,
              roles: ['auditor'],
            }),
          ),
      ],
      [
        'an expired JWT',
        async () =>
          bearer(
            await new SignJWT({ tenant_id: t.tenant, roles: ['auditor'] })
              .setProtectedHeader({ alg: 'HS256' })
              .setSubject('u')
              .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
              .sign(new TextEncoder().encode(JWT_SECRET)),
          ),
      ],
      [
        'a JWT without exp',
        async () =>
          bearer(
            await new SignJWT({ tenant_id: t.tenant, roles: ['auditor'] })
              .setProtectedHeader({ alg: 'HS256' })
              .setSubject('u')
              .sign(new TextEncoder().encode(JWT_SECRET)),
          ),
      ],
      [
        'a JWT whose tenant is not a lowercase UUID',
        async () =>
          bearer(
            await new SignJWT({ tenant_id: t.tenant.toUpperCase(), roles: ['auditor'] })
              .setProtectedHeader({ alg: 'HS256' })
              .setSubject('u')
              .setExpirationTime('1h')
              .sign(new TextEncoder().encode(JWT_SECRET)),
          ),
      ],
      ...['admin', null, { admin: true }].map(
        (roles): [string, () => Promise<Record<string, string>>] => [
          `a JWT whose roles claim is ${JSON.stringify(roles)}, not an array`,
          async () =>
            bearer(
              await new SignJWT({ tenant_id: t.tenant, roles })
                .setProtectedHeader({ alg: 'HS256' })
                .setSubject('u')
                .setExpirationTime('1h')
                .sign(new TextEncoder().encode(JWT_SECRET)),
            ),
        ],
      ),
      [
        'an unsigned JWT (alg none)',
        async () => {
          const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')
          const exp = Math.floor(Date.now() / 1000) + 3600
          return bearer(
            `${part({ alg: 'none' })}.${part({ sub: 'u', tenant_id: t.tenant, roles: ['admin'], exp })}.`,
          )
        },
      ],
    ]

    it.each(cases)('%s', async (_name, headers) => {
      const before = t.failures.length
      const response = await t.app.inject({ url: '/v1/events', headers: await headers() })
      expect(response.statusCode).toBe(401)
      expect(apiError(response).code).toBe('unauthorized')
      expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="auditseal"/)
      await settle()
      expect(t.failures.length).toBe(before + 1)
      expect(t.failures.at(-1)).toMatchObject({ status: 401, code: 'unauthorized' })
      expect(t.failures.at(-1)?.principal).toBeUndefined()
    })
  })

  it('ignores unknown roles in a JWT', async () => {
    const token = await signDevelopmentToken(JWT_SECRET, {
      sub: 'u',
      tenantId: t.tenant,
      roles: ['auditor'],
    })
    const withExtra = await new SignJWT({ tenant_id: t.tenant, roles: ['auditor', 'root', 7] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(JWT_SECRET))
    for (const jwt of [token, withExtra]) {
      const response = await t.app.inject({ url: '/v1/log', headers: bearer(jwt) })
      expect(response.statusCode).toBe(200)
    }
  })

  it('scopes every credential to its own tenant', async () => {
    const other = await t.otherTenant()
    const theirs = await t.app.inject({ url: `/v1/events/${eventId}`, headers: other.auth })
    expect(theirs.statusCode).toBe(404)
    const log = json<{ origin: string }>(
      await t.app.inject({ url: '/v1/log', headers: other.auth }),
    )
    expect(log.origin).toBe(`test.auditseal.local/${other.tenant}`)
  })

  it('reports every 401 and 403, of any route, to onAuthFailure after answering', async () => {
    const before = t.failures.length
    await t.app.inject({ url: '/v1/events', headers: t.auth.ingest })
    await t.app.inject({ url: '/devices' })
    await t.app.inject({ url: '/manual-forbidden' })
    await settle()
    const seen = t.failures.slice(before)
    expect(seen).toHaveLength(3)
    expect(seen[0]).toMatchObject({ status: 403, code: 'forbidden' })
    expect(seen[0]?.principal).toMatchObject({
      kind: 'api_key',
      tenantId: t.tenant,
      roles: ['ingest'],
    })
    expect(seen[0]?.reason).toMatch(/needs auditor or admin/)
    expect(seen[1]).toMatchObject({
      status: 401,
      code: 'unauthorized',
      reason: 'no Authorization header',
    })
    expect(seen[1]?.request.url).toBe('/devices')
    expect(seen[2]).toMatchObject({ status: 403, code: 'forbidden', reason: 'answered 403' })
  })

  it('validates what createApiKey and signDevelopmentToken are given', async () => {
    await expect(createApiKey(t.db, { tenantId: 'ACME', scopes: ['read'] })).rejects.toThrow(
      TypeError,
    )
    await expect(createApiKey(t.db, { tenantId: t.tenant, scopes: [] })).rejects.toThrow(/scope/)
    await expect(
      createApiKey(t.db, { tenantId: t.tenant, scopes: ['write' as 'read'] }),
    ).rejects.toThrow(/unknown scope/)
    await expect(
      signDevelopmentToken(JWT_SECRET, { sub: 'u', tenantId: t.tenant, roles: ['god' as 'admin'] }),
    ).rejects.toThrow(/unknown role/)
  })

  it('lets a credential for the system tenant read its log and nothing else', async () => {
    // The server's own records (refused requests of unknown tenants) are written by it only.
    await expect(
      createApiKey(t.db, { tenantId: SYSTEM_TENANT_ID, scopes: ['ingest'] }),
    ).rejects.toThrow(/system tenant's log is written by the server only/)
    await expect(
      createApiKey(t.db, { tenantId: SYSTEM_TENANT_ID, scopes: ['admin'] }),
    ).rejects.toThrow(/read scope only/)
    await expect(
      signDevelopmentToken(JWT_SECRET, { sub: 'u', tenantId: SYSTEM_TENANT_ID, roles: ['ingest'] }),
    ).rejects.toThrow(/system tenant's log is written by the server only/)

    const reader = await createApiKey(t.db, { tenantId: SYSTEM_TENANT_ID, scopes: ['read'] })
    const readable = await t.app.inject({ url: '/v1/events', headers: bearer(reader.key) })
    expect(readable.statusCode).toBe(200)

    // A token from an identity provider (or a key stored before this rule) that claims more
    // is held to reading.
    const forged = await new SignJWT({ tenant_id: SYSTEM_TENANT_ID, roles: ['ingest', 'admin'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(JWT_SECRET))
    const event = { ...makeEvent(SYSTEM_TENANT_ID, 0), type: 'auth.unauthorized' }
    const written = await t.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: bearer(forged),
      payload: { events: [event] },
    })
    expect(written.statusCode).toBe(403)
    // A key stored with more scopes (as an earlier release let one be made): the row is
    // given them with its revoke-only trigger briefly off, as only a superuser could.
    await t.db.adminTransaction(async (sql) => {
      await sql.query('ALTER TABLE auditseal.api_keys DISABLE TRIGGER api_keys_revoke_only')
      await sql.query(`UPDATE auditseal.api_keys SET scopes = '{ingest,read}' WHERE id = $1`, [
        reader.id,
      ])
      await sql.query('ALTER TABLE auditseal.api_keys ENABLE ALWAYS TRIGGER api_keys_revoke_only')
    })
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/v1/events',
          headers: bearer(reader.key),
          payload: { events: [event] },
        })
      ).statusCode,
    ).toBe(403)
  })

  it('stores only a hash of the key secret', async () => {
    const { id, key } = await createApiKey(t.db, { tenantId: t.tenant, scopes: ['ingest'] })
    expect(key).toMatch(/^ask_[0-9a-f]{24}_[A-Za-z0-9_-]{43}$/)
    const secret = key.slice(`ask_${id}_`.length)
    const rows = await t.db.adminQuery<Record<string, unknown>>(
      'SELECT * FROM auditseal.api_keys WHERE id = $1',
      [id],
    )
    expect(JSON.stringify(rows)).not.toContain(secret)
    expect(rows[0]).toMatchObject({ tenant_id: t.tenant, scopes: ['ingest'] })
  })
})

describe('apiKeyIdOf', () => {
  const id = '0123456789abcdef01234567'
  const key = `ask_${id}_${'A'.repeat(42)}-`
  it('reads the id alone, or out of a whole key', () => {
    expect(apiKeyIdOf(id)).toBe(id)
    expect(apiKeyIdOf(key)).toBe(id)
  })
  it.each([
    ['a short id', id.slice(1)],
    ['upper-case hex', id.toUpperCase()],
    ['the prefix without the secret', `ask_${id}`],
    ['the id and secret without the prefix', key.slice(4)],
    ['a key with a short secret', key.slice(0, -1)],
    ['nothing', ''],
  ])('refuses %s', (_what, text) => {
    expect(apiKeyIdOf(text)).toBeUndefined()
  })
})

describe('the rate-limit bucket of an unauthenticated caller', () => {
  it.each([
    ['192.0.2.1', 'ip:192.0.2.1'],
    ['::ffff:192.0.2.1', 'ip:192.0.2.1'],
    ['2001:db8:1:2:3:4:5:6', 'ip6:2001:db8:1:2::/64'],
    ['2001:0DB8:0001:0002::9', 'ip6:2001:db8:1:2::/64'],
    ['2001:db8::1', 'ip6:2001:db8:0:0::/64'],
    ['::1', 'ip6:0:0:0:0::/64'],
  ])('%s counts as %s', (ip, key) => {
    expect(addressKey(ip)).toBe(key)
  })
})

describe.each(ENGINES)('rate limits on $name', ({ create }) => {
  let database: TestDatabase
  let t: TestApp

  beforeAll(async () => {
    database = await create()
    t = await startTestApp(database.db, { config: { rateLimit: { max: 3, windowMs: 60_000 } } })
  })
  afterAll(async () => {
    await t?.close()
    await database?.drop()
  })

  it('limits each credential on its own, and unauthenticated callers per IP', async () => {
    for (let i = 0; i < 3; i++) {
      expect((await t.app.inject({ url: '/v1/log', headers: t.auth.read })).statusCode).toBe(200)
    }
    const limited = await t.app.inject({ url: '/v1/log', headers: t.auth.read })
    expect(limited.statusCode).toBe(429)
    expect(apiError(limited)).toMatchObject({ code: 'rate_limited' })
    expect(limited.headers['retry-after']).toBeDefined()
    // Another credential from the same address still has its whole budget.
    expect((await t.app.inject({ url: '/v1/log', headers: t.auth.admin })).statusCode).toBe(200)
    // A wrong secret for the limited key counts against the IP, not the key.
    const forged = bearer(`ask_${'1'.repeat(24)}_${'C'.repeat(43)}`)
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) {
      statuses.push((await t.app.inject({ url: '/v1/log', headers: forged })).statusCode)
    }
    expect(statuses).toEqual([401, 401, 401, 429])
    // Probes are never limited.
    for (let i = 0; i < 5; i++) {
      expect((await t.app.inject({ url: '/healthz' })).statusCode).toBe(200)
    }
  })
})

describe.each(ENGINES)('rate limits behind a trusted proxy on $name', ({ create }) => {
  const PROXY = '127.0.0.1'
  let database: TestDatabase
  let behindProxy: TestApp
  let direct: TestApp
  const logLines: Record<string, unknown>[] = []

  beforeAll(async () => {
    database = await create()
    const rateLimit = { max: 2, windowMs: 60_000 }
    behindProxy = await startTestApp(database.db, {
      config: { rateLimit, trustProxy: [PROXY] },
      logger: {
        level: 'info',
        stream: { write: (line: string) => logLines.push(JSON.parse(line) as never) },
      },
    })
    direct = await startTestApp(database.db, { config: { rateLimit } })
  })
  afterAll(async () => {
    await behindProxy?.close()
    await direct?.close()
    await database?.drop()
  })

  /** The status of an unauthenticated GET /v1/log from `from`, forwarded for `client`. */
  const status = async (app: TestApp, from: string, client: string) =>
    (
      await app.app.inject({
        url: '/v1/log',
        remoteAddress: from,
        headers: { 'x-forwarded-for': client },
      })
    ).statusCode

  it('limits each forwarded client on its own when the socket is a trusted proxy', async () => {
    const first = [await status(behindProxy, PROXY, '203.0.113.7')]
    first.push(await status(behindProxy, PROXY, '203.0.113.7'))
    first.push(await status(behindProxy, PROXY, '203.0.113.7'))
    expect(first).toEqual([401, 401, 429])
    // Another client behind the same proxy still has its whole budget.
    expect(await status(behindProxy, PROXY, '203.0.113.8')).toBe(401)
  })

  it('ignores X-Forwarded-For from a socket it does not trust: no new bucket per header', async () => {
    const statuses: number[] = []
    for (const client of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) {
      statuses.push(await status(behindProxy, '198.51.100.9', client))
    }
    expect(statuses).toEqual([401, 401, 429])
  })

  it('ignores X-Forwarded-For without --trust-proxy: one bucket for the socket', async () => {
    const statuses: number[] = []
    for (const client of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) {
      statuses.push(await status(direct, PROXY, client))
    }
    expect(statuses).toEqual([401, 401, 429])
  })

  it('logs the forwarded client as the remote address of the request', async () => {
    logLines.length = 0
    await status(behindProxy, PROXY, '203.0.113.9')
    const incoming = logLines.find((line) => line.msg === 'incoming request')
    expect(incoming?.req).toMatchObject({ remoteAddress: '203.0.113.9' })
  })
})

describe.each(ENGINES)('JWTs from a JWKS on $name', ({ create }) => {
  let database: TestDatabase
  let t: TestApp
  let jwks: Server
  let privateKey: CryptoKey
  const issuer = 'https://idp.example'
  const audience = 'auditseal'
  const tenant = newTenantId()

  const token = (
    claims: Record<string, unknown> = {},
    options: { iss?: string; aud?: string; kid?: string; key?: CryptoKey } = {},
  ) =>
    new SignJWT({ tenant_id: tenant, roles: ['auditor'], ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: options.kid ?? 'k1' })
      .setSubject('alice')
      .setIssuer(options.iss ?? issuer)
      .setAudience(options.aud ?? audience)
      .setExpirationTime('5m')
      .sign(options.key ?? privateKey)

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256')
    privateKey = pair.privateKey
    const publicJwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' }
    jwks = createServer((_request, response) => {
      response.setHeader('content-type', 'application/json')
      response.end(JSON.stringify({ keys: [publicJwk] }))
    })
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve))
    const { port } = jwks.address() as AddressInfo
    database = await create()
    t = await startTestApp(database.db, {
      config: {
        jwt: {
          jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`,
          issuer,
          audience,
          tenantClaim: 'tenant_id',
          // Configured too, but a JWKS URL wins: development tokens must not work here.
          secret: JWT_SECRET,
        },
      },
    })
  })
  afterAll(async () => {
    await t?.close()
    await database?.drop()
    await new Promise((resolve) => jwks?.close(resolve))
  })

  it('accepts a token signed by a key of the JWKS with the right issuer and audience', async () => {
    const response = await t.app.inject({ url: '/v1/log', headers: bearer(await token()) })
    expect(response.statusCode).toBe(200)
    expect(json(response)).toMatchObject({ origin: `test.auditseal.local/${tenant}` })
  })

  it.each([
    ['a wrong issuer', () => token({}, { iss: 'https://evil.example' })],
    ['a wrong audience', () => token({}, { aud: 'someone-else' })],
    ['an unknown key id', () => token({}, { kid: 'k2' })],
    [
      'a key not in the JWKS',
      async () => token({}, { key: (await generateKeyPair('ES256')).privateKey }),
    ],
    [
      'an HS256 development token',
      () =>
        signDevelopmentToken(
          JWT_SECRET,
          { sub: 'u', tenantId: tenant, roles: ['admin'] },
          { issuer, audience },
        ),
    ],
  ])('refuses %s with 401', async (_name, make) => {
    const response = await t.app.inject({ url: '/v1/log', headers: bearer(await make()) })
    expect(response.statusCode).toBe(401)
    expect(apiError(response).code).toBe('unauthorized')
  })

  it('answers 503 when the JWKS cannot be fetched, and stays up', async () => {
    const down = await startTestApp(database.db, {
      config: {
        jwt: {
          jwksUrl: 'http://127.0.0.1:1/jwks.json',
          issuer,
          audience,
          tenantClaim: 'tenant_id',
        },
      },
    })
    try {
      const response = await down.app.inject({ url: '/v1/log', headers: bearer(await token()) })
      expect(response.statusCode).toBe(503)
      expect(apiError(response).code).toBe('unavailable')
      expect((await down.app.inject({ url: '/healthz' })).statusCode).toBe(200)
    } finally {
      await down.close()
    }
  })
})
