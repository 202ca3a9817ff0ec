// Health, readiness, metrics, the OpenAPI document and Swagger UI, request ids, and the one
// error format for everything that can go wrong outside a route's own logic.

import { readFileSync } from 'node:fs'
import type { FastifyRequest } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DbError } from '../../src/db/errors.js'
import { toApiError } from '../../src/http/error-handler.js'
import { API_ERRORS } from '../../src/http/errors.js'
import { ApiError, buildApp } from '../../src/http/index.js'
import { StoreError } from '../../src/store/index.js'
import type { TestDatabase } from '../support/databases.js'
import { ENGINES } from '../support/databases.js'
import { testAuditLog } from '../support/audit-log.js'
import { makeEvents } from '../support/events.js'
import type { TestApp } from './support.js'
import { apiError, json, startTestApp, testConfig } from './support.js'

describe.each(ENGINES)('operations on $name', ({ create }) => {
  let database: TestDatabase
  let t: TestApp

  beforeAll(async () => {
    database = await create()
    t = await startTestApp(database.db)
    // Routes that fail in the ways the error handler must map, registered like gateway routes.
    const fail = (error: unknown) => async () => {
      throw error
    }
    t.app.get('/fail/plain', fail(new Error('secret connection string postgres://u:pw@db')))
    t.app.get('/fail/store-replica', fail(new StoreError('NOT_YET_REPLICATED', 'hash 5')))
    t.app.get('/fail/store-corrupt', fail(new StoreError('LOG_CORRUPT', 'tenant x root differs')))
    t.app.get('/fail/db-down', fail(new DbError('DATABASE_UNREACHABLE', 'ECONNREFUSED 10.0.0.5')))
    t.app.get('/fail/api', fail(new ApiError('not_found', 'no such device')))
    // The engine's own error for the SQLSTATE in the path, as a failing query would raise it.
    t.app.get('/fail/sqlstate/:sqlstate', async (request) => {
      const { sqlstate } = request.params as { sqlstate: string }
      if (!/^[0-9A-Z]{5}$/.test(sqlstate)) throw new Error('not a SQLSTATE')
      await database.db.adminQuery(
        `DO $$ BEGIN RAISE EXCEPTION 'raised at 10.0.0.5' USING ERRCODE = '${sqlstate}'; END $$`,
      )
    })
  })
  afterAll(async () => {
    await t?.close()
    await database?.drop()
  })

  it('GET /healthz answers while the process is up', async () => {
    const response = await t.app.inject({ url: '/healthz' })
    expect(response.statusCode).toBe(200)
    expect(json(response)).toEqual({ status: 'ok' })
  })

  it('GET /readyz is 200 when migrated, 503 not_ready with migrations pending', async () => {
    expect(json(await t.app.inject({ url: '/readyz' }))).toEqual({ status: 'ready' })
    const blank = await create({ migrate: false })
    const cold = await buildApp({
      config: testConfig(),
      store: { write: blank.db, read: blank.db, close: async () => {} },
      log: testAuditLog(blank.db),
      logger: false,
    })
    try {
      const response = await cold.inject({ url: '/readyz' })
      expect(response.statusCode).toBe(503)
      expect(apiError(response)).toMatchObject({
        code: 'not_ready',
        message: expect.stringMatching(/^migrations pending: 0001_roles, /),
      })
    } finally {
      await cold.close()
      await blank.drop()
    }
  })

  it('GET /metrics exposes the named metrics in the Prometheus text format', async () => {
    await t.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: t.auth.ingest,
      payload: { events: makeEvents(t.tenant, 3) },
    })
    await t.app.inject({ url: '/v1/checkpoints/latest', headers: t.auth.read })
    await t.app.inject({ url: `/v1/events/${crypto.randomUUID()}`, headers: t.auth.read })
    const response = await t.app.inject({ url: '/metrics' })
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/)
    const text = response.body
    expect(text).toMatch(
      /auditseal_http_request_duration_seconds_count\{route="\/v1\/events",method="POST",status_code="201"\} 1/,
    )
    expect(text).toMatch(/route="\/v1\/events\/:id",method="GET",status_code="404"/)
    expect(text).toMatch(/auditseal_events_sealed_total\{status="created"\} 3/)
    expect(text).toMatch(/auditseal_seal_duration_seconds_count 1/)
    expect(text).toMatch(
      new RegExp(`auditseal_checkpoint_age_seconds\\{tenant_id="${t.tenant}"\\} \\d`),
    )
  })

  it('GET /openapi.json documents every route, and Swagger UI is served from here', async () => {
    const doc = json<{
      openapi: string
      paths: Record<string, Record<string, { security?: unknown; responses: object }>>
    }>(await t.app.inject({ url: '/openapi.json' }))
    expect(doc.openapi).toBe('3.1.0')
    expect(Object.keys(doc.paths).sort()).toEqual(
      expect.arrayContaining([
        '/healthz',
        '/metrics',
        '/openapi.json',
        '/readyz',
        '/v1/checkpoints',
        '/v1/checkpoints/latest',
        '/v1/events',
        '/v1/events/{id}',
        '/v1/events/{id}/proof',
        '/v1/export',
        '/v1/log',
        '/v1/proofs/consistency',
      ]),
    )
    expect(doc.paths['/v1/events']?.post?.security).toEqual([{ bearer: [] }])
    const body = JSON.stringify(doc.paths['/v1/events']?.post)
    expect(body).toContain('occurred_at') // the documented envelope, not just "unknown"
    const page = await t.app.inject({ url: '/docs' })
    expect(page.statusCode).toBe(200)
    expect(page.body).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/) // no CDN
    const asset = await t.app.inject({ url: '/docs/static/swagger-ui-bundle.js' })
    expect(asset.statusCode).toBe(200)
  })

  it('GET /openapi.json gives errors as application/json, success in its own media types', async () => {
    type Responses = Record<string, { content?: Record<string, unknown> }>
    const doc = json<{ paths: Record<string, Record<string, { responses: Responses }>> }>(
      await t.app.inject({ url: '/openapi.json' }),
    )
    const mediaTypes = (path: string, method: string) =>
      Object.fromEntries(
        Object.entries(doc.paths[path]?.[method]?.responses ?? {}).map(([status, response]) => [
          status,
          Object.keys(response.content ?? {}),
        ]),
      )
    const json400to503 = { 400: ['application/json'], 503: ['application/json'] }
    expect(mediaTypes('/v1/checkpoints/latest', 'get')).toMatchObject({
      200: ['text/plain'],
      ...json400to503,
    })
    expect(mediaTypes('/v1/export', 'get')).toMatchObject({
      200: ['application/x-ndjson', 'text/csv'],
      ...json400to503,
    })
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, { responses }] of Object.entries(methods)) {
        for (const [status, response] of Object.entries(responses)) {
          if (Number(status) < 400) continue
          expect(Object.keys(response.content ?? {}), `${method} ${path} ${status}`).toEqual([
            'application/json',
          ])
        }
      }
    }
    // A route that takes a JSON body can refuse it as too large or not JSON.
    expect(mediaTypes('/v1/events', 'post')).toMatchObject({
      413: ['application/json'],
      415: ['application/json'],
    })
  })

  it('echoes a sane x-request-id and replaces an unsafe one', async () => {
    const kept = await t.app.inject({ url: '/healthz', headers: { 'x-request-id': 'abc-123.x' } })
    expect(kept.headers['x-request-id']).toBe('abc-123.x')
    const replaced = await t.app.inject({
      url: '/healthz',
      headers: { 'x-request-id': 'bad id "with" quotes' },
    })
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('answers unknown routes with 404 not_found in the error format', async () => {
    const response = await t.app.inject({ url: '/v2/nothing?x=1' })
    expect(response.statusCode).toBe(404)
    expect(apiError(response)).toEqual({ code: 'not_found', message: 'no route GET /v2/nothing' })
  })

  it.each([
    ['/fail/plain', 500, 'internal'],
    ['/fail/store-replica', 503, 'not_yet_replicated'],
    ['/fail/store-corrupt', 500, 'log_inconsistent'],
    ['/fail/db-down', 503, 'unavailable'],
    ['/fail/api', 404, 'not_found'],
  ])('maps what %s throws to %i %s without leaking internals', async (url, status, code) => {
    const response = await t.app.inject({ url, headers: { 'x-request-id': 'req-42' } })
    expect(response.statusCode).toBe(status)
    const error = apiError(response)
    expect(error.code).toBe(code)
    expect(response.body).not.toMatch(/postgres:|10\.0\.0\.5|root differs|hash 5|stack/)
    if (code === 'internal') expect(error.message).toContain('req-42')
    if (status === 503) expect(response.headers['retry-after']).toBeDefined()
  })

  it.each([
    ['40001', 503, 'unavailable'],
    ['40P01', 503, 'unavailable'],
    ['57P01', 503, 'unavailable'],
    ['53300', 503, 'unavailable'],
    ['08006', 503, 'unavailable'],
    ['23505', 500, 'internal'],
  ])('answers SQLSTATE %s raised by the engine with %i %s', async (sqlstate, status, code) => {
    const response = await t.app.inject({ url: `/fail/sqlstate/${sqlstate}` })
    expect(response.statusCode).toBe(status)
    expect(apiError(response).code).toBe(code)
    expect(response.body).not.toMatch(/10\.0\.0\.5|raised/)
    if (status === 503) expect(response.headers['retry-after']).toMatch(/^[1-9][0-9]*$/)
    else expect(response.headers['retry-after']).toBeUndefined()
  })
})

describe('toApiError on database errors', () => {
  const request = { id: 'req-7' } as FastifyRequest
  /** What node-postgres and PGlite throw: an Error whose `code` is the SQLSTATE. */
  const databaseError = (code: string) =>
    Object.assign(new Error(`server said ${code} at 10.0.0.5`), { code, severity: 'ERROR' })

  describe('when the failure is transient', () => {
    it.each([
      ['40001', 'serialization_failure'],
      ['40P01', 'deadlock_detected'],
      ['57P01', 'admin_shutdown'],
      ['57P02', 'crash_shutdown'],
      ['57P03', 'cannot_connect_now'],
      ['53300', 'too_many_connections'],
      ['08000', 'connection_exception'],
      ['08003', 'connection_does_not_exist'],
      ['08006', 'connection_failure'],
      ['08P01', 'protocol_violation'],
    ])('maps SQLSTATE %s (%s) to 503 unavailable with Retry-After', (code) => {
      const error = toApiError(databaseError(code), request)
      expect(error).toMatchObject({ code: 'unavailable', statusCode: 503 })
      expect(error.headers['retry-after']).toMatch(/^[1-9][0-9]*$/)
      expect(error.message).not.toContain('10.0.0.5')
    })
  })

  describe('when retrying cannot help', () => {
    it.each(['23505', '22P02', '42P01', '53100', '57014', '40002', 'XX000', 'ECONNRESET'])(
      'leaves %s to 500 internal, quoting the request id',
      (code) => {
        const error = toApiError(databaseError(code), request)
        expect(error).toMatchObject({ code: 'internal', statusCode: 500, headers: {} })
        expect(error.message).toContain('req-7')
        expect(error.message).not.toContain('10.0.0.5')
      },
    )
  })
})

describe('docs/api.md', () => {
  it('lists every code of the error registry, with its status, and no other', () => {
    const doc = readFileSync(new URL('../../../../docs/api.md', import.meta.url), 'utf8')
    const rows = [...doc.matchAll(/^\| (\d{3}) +\| `([a-z_]+)` +\|/gm)].map(([, status, code]) => [
      code,
      Number(status),
    ])
    const registry = Object.entries(API_ERRORS).map(([code, { status }]) => [code, status])
    expect(rows.sort()).toEqual(registry.sort())
  })
})
