// Health, readiness, metrics, the OpenAPI document and Swagger UI, request ids, and the one
// error format for everything that can go wrong outside a route's own logic.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DbError } from '../../src/db/errors.js'
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
})
