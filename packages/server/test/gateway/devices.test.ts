// The device gateway's routes, on both engines: every success and failure path answers as
// documented and leaves exactly the architecture §5 events in the tenant's log.

import type { AuditEvent } from '@auditseal/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Device } from '../../src/gateway/index.js'
import { API_ERRORS } from '../../src/http/errors.js'
import { apiError } from '../http/support.js'
import { ENGINES } from '../support/databases.js'
import type { TestDatabase } from '../support/databases.js'
import { newTenantId } from '../support/events.js'
import type { Gateway } from './support.js'
import { apiKeyHeaders, eventsOf, json, startGateway, USER_AGENT, userToken } from './support.js'

describe.each(ENGINES)('device gateway on $name', ({ create }) => {
  let database: TestDatabase
  let gateway: Gateway

  beforeAll(async () => {
    database = await create()
    gateway = await startGateway(database.db)
  })
  afterAll(async () => {
    await gateway?.close()
    await database?.drop()
  })

  /** A new tenant with an operator's headers. */
  async function tenant(roles: ('operator' | 'admin' | 'auditor')[] = ['operator']) {
    const id = newTenantId()
    return { id, headers: await userToken(id, roles) }
  }

  async function createDevice(
    headers: Record<string, string>,
    body: Record<string, unknown> = { serial_number: `SN-${Math.random()}` },
  ): Promise<Device> {
    const response = await gateway.app.inject({
      method: 'POST',
      url: '/devices',
      headers,
      payload: body,
    })
    expect(response.statusCode).toBe(201)
    return json<Device>(response)
  }

  describe('POST /devices', () => {
    it('creates the device and records device.created with actor, target, source and request id', async () => {
      const t = await tenant()
      const response = await gateway.app.inject({
        method: 'POST',
        url: '/devices',
        headers: { ...t.headers, 'x-request-id': 'req-create-1' },
        payload: { serial_number: 'SN-001', name: 'Boiler room sensor', model: 'TX-9' },
      })
      expect(response.statusCode).toBe(201)
      const device = json<Device>(response)
      expect(device).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        serial_number: 'SN-001',
        name: 'Boiler room sensor',
        model: 'TX-9',
        created_at: expect.any(String),
        updated_at: expect.any(String),
      })

      const events = await eventsOf(gateway, t.id)
      expect(events).toHaveLength(1)
      expect(events[0]).toEqual({
        v: 1,
        id: expect.any(String),
        tenant_id: t.id,
        type: 'device.created',
        outcome: 'success',
        occurred_at: expect.any(String),
        recorded_at: expect.any(String),
        actor: { type: 'user', id: 'alice' },
        target: { type: 'device', id: device.id, name: 'Boiler room sensor' },
        source: { ip: '127.0.0.1', user_agent: USER_AGENT },
        request_id: 'req-create-1',
        data: { serial_number: 'SN-001', name: 'Boiler room sensor', model: 'TX-9' },
      })
    })

    it('accepts the admin role as well as operator', async () => {
      const t = await tenant(['admin'])
      await createDevice(t.headers)
      expect((await eventsOf(gateway, t.id)).map((e) => e.type)).toEqual(['device.created'])
    })

    describe('when the serial number is taken in this tenant', () => {
      it('answers 409 and records device.creation_failed naming the serial number', async () => {
        const t = await tenant()
        await createDevice(t.headers, { serial_number: 'DUP-1' })
        const response = await gateway.app.inject({
          method: 'POST',
          url: '/devices',
          headers: t.headers,
          payload: { serial_number: 'DUP-1', name: 'second' },
        })
        expect(response.statusCode).toBe(409)
        expect(json(response)).toEqual({
          error: {
            code: 'conflict',
            message: 'a device with serial number "DUP-1" already exists',
          },
        })
        expect(response.headers['content-type']).toBe('application/json; charset=utf-8')
        // A code of the one registry (errors.ts), which docs/api.md lists.
        expect(API_ERRORS).toHaveProperty('conflict', expect.objectContaining({ status: 409 }))

        const events = await eventsOf(gateway, t.id)
        expect(events.map((e) => e.type)).toEqual(['device.created', 'device.creation_failed'])
        expect(events[1]).toMatchObject({
          outcome: 'failure',
          actor: { type: 'user', id: 'alice' },
          target: { type: 'device', id: expect.any(String) },
          source: { ip: '127.0.0.1', user_agent: USER_AGENT },
          request_id: expect.any(String),
          error: {
            code: 'conflict',
            message: 'a device with serial number "DUP-1" already exists',
          },
          data: { requested: { serial_number: 'DUP-1', name: 'second' } },
        })
        // The failed attempt's id is not the existing device's: no device got it.
        expect(events[1]?.target?.id).not.toBe(events[0]?.target?.id)
      })
    })

    describe('when the input is invalid', () => {
      it.each([
        [
          'serial_number missing',
          { name: 'x' },
          'invalid_request',
          'body serial_number is required',
        ],
        ['an unknown member', { serial_number: 'S', colour: 'red' }, 'invalid_request', 'colour'],
        ['an empty serial number', { serial_number: '' }, 'invalid_request', 'serial_number'],
        [
          'a control character',
          { serial_number: 'A\u0000B' },
          'invalid_request',
          'serial_number must be printable text (no control characters), not only white space',
        ],
        ['a number for a string', { serial_number: 42 }, 'invalid_request', 'serial_number'],
      ])('answers 400 for %s and records device.creation_failed', async (_, body, code, detail) => {
        const t = await tenant()
        const response = await gateway.app.inject({
          method: 'POST',
          url: '/devices',
          headers: t.headers,
          payload: body,
        })
        expect(response.statusCode).toBe(400)
        expect(json<{ error: { code: string } }>(response).error.code).toBe(code)
        const events = await eventsOf(gateway, t.id)
        expect(events).toHaveLength(1)
        expect(events[0]).toMatchObject({
          type: 'device.creation_failed',
          outcome: 'failure',
          actor: { type: 'user', id: 'alice' },
          target: { type: 'device' },
          error: { code },
        })
        expect(events[0]?.error?.message).toContain(detail)
      })

      it.each([
        ['serial_number', { serial_number: '\ud800' }],
        ['serial_number', { serial_number: 'SN-\udc00-1' }],
        ['name', { serial_number: 'SN-LONE-1', name: 'left \ud83d alone' }],
        ['model', { serial_number: 'SN-LONE-2', model: '\ude00' }],
      ])(
        'answers 400 naming %s for a lone surrogate, instead of storing U+FFFD',
        async (field, body) => {
          const t = await tenant()
          const response = await gateway.app.inject({
            method: 'POST',
            url: '/devices',
            headers: t.headers,
            payload: body,
          })
          expect(response.statusCode).toBe(400)
          expect(json(response)).toMatchObject({
            error: {
              code: 'invalid_request',
              details: [expect.objectContaining({ location: 'body', path: field })],
            },
          })
          const list = json<{ devices: Device[] }>(
            await gateway.app.inject({ url: '/devices', headers: t.headers }),
          )
          expect(list.devices).toEqual([])
          expect((await eventsOf(gateway, t.id)).map((e) => e.type)).toEqual([
            'device.creation_failed',
          ])
        },
      )

      it('accepts characters outside the BMP, written as surrogate pairs', async () => {
        const t = await tenant()
        const device = await createDevice(t.headers, {
          serial_number: 'SN-\ud83d\ude00',
          name: '\u{1F600} sensor',
        })
        expect(device).toMatchObject({ serial_number: 'SN-😀', name: '😀 sensor' })
      })

      it('refuses a lone surrogate in a PATCH too', async () => {
        const t = await tenant()
        const device = await createDevice(t.headers)
        const response = await gateway.app.inject({
          method: 'PATCH',
          url: `/devices/${device.id}`,
          headers: t.headers,
          payload: { name: 'x\udfff' },
        })
        expect(response.statusCode).toBe(400)
        expect(json(response)).toMatchObject({
          error: { details: [expect.objectContaining({ location: 'body', path: 'name' })] },
        })
      })

      it('answers 400 for a body that is not JSON, and records it', async () => {
        const t = await tenant()
        const response = await gateway.app.inject({
          method: 'POST',
          url: '/devices',
          headers: { ...t.headers, 'content-type': 'application/json' },
          payload: '{"serial_number": ',
        })
        expect(response.statusCode).toBe(400)
        const events = await eventsOf(gateway, t.id)
        expect(events).toMatchObject([
          { type: 'device.creation_failed', error: { code: 'invalid_json' } },
        ])
        expect(events[0]?.data).toBeUndefined()
      })
    })
  })

  describe('GET /devices and GET /devices/{id}', () => {
    it('list and fetch the tenant’s devices, page by page, and record nothing', async () => {
      const t = await tenant()
      const made = [
        await createDevice(t.headers),
        await createDevice(t.headers),
        await createDevice(t.headers),
      ]
      const before = (await eventsOf(gateway, t.id)).length

      const first = await gateway.app.inject({ url: '/devices?limit=2', headers: t.headers })
      expect(first.statusCode).toBe(200)
      const page1 = json<{ devices: Device[]; next_cursor: string | null }>(first)
      expect(page1.devices.map((d) => d.id)).toEqual(made.slice(0, 2).map((d) => d.id))
      expect(page1.next_cursor).toBe(made[1]?.id)
      const second = await gateway.app.inject({
        url: `/devices?limit=2&cursor=${page1.next_cursor}`,
        headers: t.headers,
      })
      const page2 = json<{ devices: Device[]; next_cursor: string | null }>(second)
      expect(page2).toEqual({ devices: [made[2]], next_cursor: null })

      const one = await gateway.app.inject({ url: `/devices/${made[0]?.id}`, headers: t.headers })
      expect(json(one)).toEqual(made[0])
      const missing = await gateway.app.inject({
        url: `/devices/${newTenantId()}`,
        headers: t.headers,
      })
      expect(missing.statusCode).toBe(404)

      expect(await eventsOf(gateway, t.id)).toHaveLength(before)
    })

    it('answers 400 for a malformed id or limit', async () => {
      const t = await tenant()
      expect(
        (await gateway.app.inject({ url: '/devices/nope', headers: t.headers })).statusCode,
      ).toBe(400)
      const badEncoding = await gateway.app.inject({ url: '/devices/%E0%A4%A', headers: t.headers })
      expect(badEncoding.statusCode).toBe(400)
      expect(json(badEncoding)).toEqual({
        error: {
          code: 'invalid_request',
          message: 'the URL path is not valid: malformed percent-encoding',
        },
      })
      const long = await gateway.app.inject({
        url: `/devices/${'0'.repeat(101)}`,
        headers: t.headers,
      })
      expect(long.statusCode).toBe(400)
      expect(json(long)).toMatchObject({
        error: { code: 'invalid_request', details: [expect.objectContaining({ path: 'id' })] },
      })
      expect(
        (await gateway.app.inject({ url: '/devices?limit=0', headers: t.headers })).statusCode,
      ).toBe(400)
      expect(await eventsOf(gateway, t.id)).toHaveLength(0)
    })
  })

  describe('PATCH /devices/{id}', () => {
    it('records device.updated with data.changes = {field: {from, to}} of the changed fields only', async () => {
      const t = await tenant()
      const device = await createDevice(t.headers, { serial_number: 'P-1', name: 'old name' })
      const response = await gateway.app.inject({
        method: 'PATCH',
        url: `/devices/${device.id}`,
        headers: t.headers,
        payload: { name: 'new name', model: 'M-2', serial_number: 'P-1' },
      })
      expect(response.statusCode).toBe(200)
      expect(json(response)).toMatchObject({
        id: device.id,
        name: 'new name',
        model: 'M-2',
        serial_number: 'P-1',
      })

      const events = await eventsOf(gateway, t.id)
      expect(events[1]).toMatchObject({
        type: 'device.updated',
        outcome: 'success',
        actor: { type: 'user', id: 'alice' },
        target: { type: 'device', id: device.id, name: 'new name' },
        source: { ip: '127.0.0.1', user_agent: USER_AGENT },
        data: {
          changes: { name: { from: 'old name', to: 'new name' }, model: { from: null, to: 'M-2' } },
        },
      })
      // serial_number was sent with its current value: not a change.
      expect(Object.keys((events[1]?.data as { changes: object }).changes).sort()).toEqual([
        'model',
        'name',
      ])
    })

    it('clears a field with null', async () => {
      const t = await tenant()
      const device = await createDevice(t.headers, { serial_number: 'P-2', model: 'M' })
      const response = await gateway.app.inject({
        method: 'PATCH',
        url: `/devices/${device.id}`,
        headers: t.headers,
        payload: { model: null },
      })
      expect(json(response)).toMatchObject({ model: null })
      const events = await eventsOf(gateway, t.id)
      expect(events[1]?.data).toEqual({ changes: { model: { from: 'M', to: null } } })
    })

    it('answers 409 for a serial number in use and records a failed device.updated', async () => {
      const t = await tenant()
      await createDevice(t.headers, { serial_number: 'TAKEN' })
      const device = await createDevice(t.headers, { serial_number: 'FREE' })
      const response = await gateway.app.inject({
        method: 'PATCH',
        url: `/devices/${device.id}`,
        headers: t.headers,
        payload: { serial_number: 'TAKEN' },
      })
      expect(response.statusCode).toBe(409)
      const events = await eventsOf(gateway, t.id)
      expect(events[2]).toMatchObject({
        type: 'device.updated',
        outcome: 'failure',
        target: { type: 'device', id: device.id },
        error: { code: 'conflict' },
        data: { requested: { serial_number: 'TAKEN' } },
      })
      expect(
        json(await gateway.app.inject({ url: `/devices/${device.id}`, headers: t.headers })),
      ).toMatchObject({
        serial_number: 'FREE',
      })
    })

    it('answers 404 for an unknown device and 400 for an empty patch, recording each failure', async () => {
      const t = await tenant()
      const unknown = newTenantId()
      const missing = await gateway.app.inject({
        method: 'PATCH',
        url: `/devices/${unknown}`,
        headers: t.headers,
        payload: { name: 'x' },
      })
      expect(missing.statusCode).toBe(404)
      const device = await createDevice(t.headers)
      const empty = await gateway.app.inject({
        method: 'PATCH',
        url: `/devices/${device.id}`,
        headers: t.headers,
        payload: {},
      })
      expect(empty.statusCode).toBe(400)
      const events = await eventsOf(gateway, t.id)
      expect(events.map((e) => [e.type, e.outcome, e.target?.id, e.error?.code])).toEqual([
        ['device.updated', 'failure', unknown, 'not_found'],
        ['device.created', 'success', device.id, undefined],
        ['device.updated', 'failure', device.id, 'invalid_request'],
      ])
    })
  })

  it('records a U+0000 in the token’s sub or in the path as U+FFFD, never dropping the event', async () => {
    const id = newTenantId()
    const headers = await userToken(id, ['operator'], 'evil\u0000user')
    const device = await createDevice(headers)
    for (const [method, url] of [
      ['PATCH', '/devices/a%00b'],
      ['DELETE', '/devices/%00'],
    ] as const) {
      const response = await gateway.app.inject({ method, url, headers, payload: { name: 'x' } })
      expect(response.statusCode, url).toBeGreaterThanOrEqual(400)
    }
    const events = await eventsOf(gateway, id)
    expect(events.map((e) => [e.type, e.outcome, e.actor.id, e.target?.id])).toEqual([
      ['device.created', 'success', 'evil\uFFFDuser', device.id],
      ['device.updated', 'failure', 'evil\uFFFDuser', 'a\uFFFDb'],
      ['device.deleted', 'failure', 'evil\uFFFDuser', '\uFFFD'],
    ])
    expect(gateway.sink.stats().invalid).toBe(0)
  })

  it.each([
    ['POST', '/devices'],
    ['GET', '/devices/00000000-0000-7000-8000-000000000001'],
    ['DELETE', '/devices/00000000-0000-7000-8000-000000000001'],
  ] as const)('refuses a query parameter on %s %s, which takes none', async (method, url) => {
    const t = await tenant()
    const response = await gateway.app.inject({
      method,
      url: `${url}?bogus=1`,
      headers: t.headers,
      ...(method === 'POST' && { payload: { serial_number: 'Q-1' } }),
    })
    expect(response.statusCode).toBe(400)
    expect(json<{ error: { details: unknown[] } }>(response).error.details).toEqual([
      { location: 'query', path: 'bogus', message: 'is not a known member here' },
    ])
  })

  describe('DELETE /devices/{id}', () => {
    it('refuses a request body, which it would ignore, and keeps the device', async () => {
      const t = await tenant()
      const device = await createDevice(t.headers)
      const response = await gateway.app.inject({
        method: 'DELETE',
        url: `/devices/${device.id}`,
        headers: t.headers,
        payload: { reason: 'x' },
      })
      expect(response.statusCode).toBe(400)
      expect(apiError(response)).toMatchObject({
        code: 'invalid_request',
        message: 'DELETE /devices/:id takes no request body',
      })
      const kept = await gateway.app.inject({ url: `/devices/${device.id}`, headers: t.headers })
      expect(kept.statusCode).toBe(200)
    })

    it('deletes the device and records device.deleted with what it was', async () => {
      const t = await tenant()
      const device = await createDevice(t.headers, { serial_number: 'D-1', name: 'gone soon' })
      const response = await gateway.app.inject({
        method: 'DELETE',
        url: `/devices/${device.id}`,
        headers: t.headers,
      })
      expect(response.statusCode).toBe(204)
      expect(response.body).toBe('')
      expect(
        (await gateway.app.inject({ url: `/devices/${device.id}`, headers: t.headers })).statusCode,
      ).toBe(404)

      const again = await gateway.app.inject({
        method: 'DELETE',
        url: `/devices/${device.id}`,
        headers: t.headers,
      })
      expect(again.statusCode).toBe(404)

      const events = await eventsOf(gateway, t.id)
      expect(events.map((e) => [e.type, e.outcome])).toEqual([
        ['device.created', 'success'],
        ['device.deleted', 'success'],
        ['device.deleted', 'failure'],
      ])
      expect(events[1]).toMatchObject({
        actor: { type: 'user', id: 'alice' },
        target: { type: 'device', id: device.id, name: 'gone soon' },
        source: { ip: '127.0.0.1', user_agent: USER_AGENT },
        data: { serial_number: 'D-1', name: 'gone soon' },
      })
      expect(events[2]).toMatchObject({ target: { id: device.id }, error: { code: 'not_found' } })
    })

    it('deletes when the request says Content-Type: application/json but has no body', async () => {
      const t = await tenant()
      const device = await createDevice(t.headers, { serial_number: 'D-2' })
      const response = await gateway.app.inject({
        method: 'DELETE',
        url: `/devices/${device.id}`,
        headers: { ...t.headers, 'content-type': 'application/json' },
        payload: '',
      })
      expect(response.statusCode, response.body).toBe(204)
      const events = await eventsOf(gateway, t.id)
      expect(events.map((e) => [e.type, e.outcome])).toEqual([
        ['device.created', 'success'],
        ['device.deleted', 'success'],
      ])
    })

    it('refuses an empty body of another Content-Type with 415, deleting nothing', async () => {
      const t = await tenant()
      const device = await createDevice(t.headers, { serial_number: 'D-3' })
      const response = await gateway.app.inject({
        method: 'DELETE',
        url: `/devices/${device.id}`,
        headers: { ...t.headers, 'content-type': 'text/plain' },
        payload: '',
      })
      expect(response.statusCode).toBe(415)
      expect(apiError(response).code).toBe('unsupported_media_type')
      const still = await gateway.app.inject({ url: `/devices/${device.id}`, headers: t.headers })
      expect(still.statusCode).toBe(200)
    })

    it('still refuses an empty JSON body where the route takes one (POST, PATCH)', async () => {
      const t = await tenant()
      const device = await createDevice(t.headers)
      for (const [method, url] of [
        ['POST', '/devices'],
        ['PATCH', `/devices/${device.id}`],
      ] as const) {
        const response = await gateway.app.inject({
          method,
          url,
          headers: { ...t.headers, 'content-type': 'application/json' },
          payload: '',
        })
        expect(response.statusCode).toBe(400)
        expect(json(response)).toMatchObject({ error: { code: 'invalid_json' } })
      }
    })
  })

  describe('GET /openapi.json', () => {
    it('documents the gateway routes with their schemas and bearer auth', async () => {
      const response = await gateway.app.inject({ url: '/openapi.json' })
      expect(response.statusCode).toBe(200)
      const paths = json<{ paths: Record<string, Record<string, { security?: unknown }>> }>(
        response,
      ).paths
      expect(Object.keys(paths['/devices'] ?? {}).sort()).toEqual(['get', 'post'])
      expect(Object.keys(paths['/devices/{id}'] ?? {}).sort()).toEqual(['delete', 'get', 'patch'])
      expect(paths['/devices']?.post?.security).toEqual([{ bearer: [] }])
    })

    it('documents 409, 413 and 415 as JSON errors of the routes that take a body', async () => {
      type Operation = { responses: Record<string, { content?: Record<string, unknown> }> }
      const paths = json<{ paths: Record<string, Record<string, Operation>> }>(
        await gateway.app.inject({ url: '/openapi.json' }),
      ).paths
      for (const operation of [paths['/devices']?.post, paths['/devices/{id}']?.patch]) {
        for (const status of ['409', '413', '415']) {
          expect(Object.keys(operation?.responses[status]?.content ?? {})).toEqual([
            'application/json',
          ])
        }
      }
    })
  })

  describe('tenant isolation', () => {
    it('keeps each tenant to its own devices and its own log', async () => {
      const a = await tenant()
      const b = await tenant()
      const device = await createDevice(a.headers, { serial_number: 'SHARED-SN' })
      // Serial numbers are unique per tenant, not across tenants.
      await createDevice(b.headers, { serial_number: 'SHARED-SN' })

      const seen = await gateway.app.inject({ url: `/devices/${device.id}`, headers: b.headers })
      expect(seen.statusCode).toBe(404)
      const changed = await gateway.app.inject({
        method: 'PATCH',
        url: `/devices/${device.id}`,
        headers: b.headers,
        payload: { name: 'hijacked' },
      })
      expect(changed.statusCode).toBe(404)
      const deleted = await gateway.app.inject({
        method: 'DELETE',
        url: `/devices/${device.id}`,
        headers: b.headers,
      })
      expect(deleted.statusCode).toBe(404)
      const list = json<{ devices: Device[] }>(
        await gateway.app.inject({ url: '/devices', headers: b.headers }),
      )
      expect(list.devices.map((d) => d.serial_number)).toEqual(['SHARED-SN'])
      expect(list.devices[0]?.id).not.toBe(device.id)

      expect(
        json(await gateway.app.inject({ url: `/devices/${device.id}`, headers: a.headers })),
      ).toMatchObject({
        name: null,
      })
      // A's log has only A's own event; B's failed attempts are in B's log.
      expect((await eventsOf(gateway, a.id)).map((e) => e.type)).toEqual(['device.created'])
      expect((await eventsOf(gateway, b.id)).map((e) => `${e.type}:${e.outcome}`)).toEqual([
        'device.created:success',
        'device.updated:failure',
        'device.deleted:failure',
      ])
    })
  })

  describe('authentication and authorization', () => {
    const SYSTEM = '00000000-0000-0000-0000-000000000000'

    /** The system tenant's auth events recorded for one request id. */
    async function systemEvents(requestId: string): Promise<AuditEvent[]> {
      return (await eventsOf(gateway, SYSTEM)).filter((e) => e.request_id === requestId)
    }

    it('answers 401 without a token and records auth.unauthorized in the system tenant', async () => {
      const response = await gateway.app.inject({
        method: 'POST',
        url: '/devices',
        headers: { 'x-request-id': 'req-no-token', 'user-agent': USER_AGENT },
        payload: { serial_number: 'X' },
      })
      expect(response.statusCode).toBe(401)
      const events = await systemEvents('req-no-token')
      expect(events).toEqual([
        {
          v: 1,
          id: expect.any(String),
          tenant_id: SYSTEM,
          type: 'auth.unauthorized',
          outcome: 'failure',
          occurred_at: expect.any(String),
          recorded_at: expect.any(String),
          actor: { type: 'anonymous', id: 'anonymous' },
          target: { type: 'http_route', id: 'POST /devices' },
          source: { ip: '127.0.0.1', user_agent: USER_AGENT },
          request_id: 'req-no-token',
          error: { code: 'unauthorized', message: 'no Authorization header' },
          data: { method: 'POST', path: '/devices' },
        },
      ])
    })

    it('answers 401 for a forged token and records it in the system tenant, not the claimed one', async () => {
      const claimed = newTenantId()
      // The signature's first character, not its last: the last of 43 base64url characters
      // carries only two bits of the 32-byte signature, and changing only the others (B to A,
      // say) decodes to the very same signature, which then verifies.
      const forged = (await userToken(claimed)).authorization?.replace(
        /\.([A-Za-z0-9_-])([A-Za-z0-9_-]*)$/,
        (_, first: string, rest: string) => `.${first === 'A' ? 'B' : 'A'}${rest}`,
      )
      const response = await gateway.app.inject({
        url: '/devices',
        headers: { authorization: forged as string, 'x-request-id': 'req-forged' },
      })
      expect(response.statusCode).toBe(401)
      expect(await systemEvents('req-forged')).toMatchObject([{ type: 'auth.unauthorized' }])
      expect(await eventsOf(gateway, claimed)).toHaveLength(0)
    })

    it('answers 403 to a user without the operator or admin role, in the caller’s tenant', async () => {
      const t = await tenant(['auditor'])
      const response = await gateway.app.inject({
        method: 'DELETE',
        url: `/devices/${newTenantId()}`,
        headers: { ...t.headers, 'x-request-id': 'req-auditor' },
      })
      expect(response.statusCode).toBe(403)
      expect(await eventsOf(gateway, t.id)).toMatchObject([
        {
          type: 'auth.forbidden',
          outcome: 'failure',
          actor: { type: 'user', id: 'alice' },
          target: { type: 'http_route', id: 'DELETE /devices/:id' },
          source: { ip: '127.0.0.1', user_agent: USER_AGENT },
          request_id: 'req-auditor',
          error: { code: 'forbidden' },
        },
      ])
    })

    it('answers 403 to an API key, even an admin one: the gateway is for users', async () => {
      const tenantId = newTenantId()
      const headers = await apiKeyHeaders(database.db, tenantId, 'admin')
      const response = await gateway.app.inject({ url: '/devices', headers })
      expect(response.statusCode).toBe(403)
      expect(json<{ error: { message: string } }>(response).error.message).toBe(
        'the device gateway accepts user tokens (JWT) only',
      )
      const events = await eventsOf(gateway, tenantId)
      expect(events).toMatchObject([
        {
          type: 'auth.forbidden',
          actor: { type: 'api_key', id: expect.stringMatching(/^api_key:/) },
        },
      ])
    })

    it('never lets a refused request reach the handler or record a device event', async () => {
      const t = await tenant(['auditor'])
      await gateway.app.inject({
        method: 'POST',
        url: '/devices',
        headers: t.headers,
        payload: { serial_number: 'S' },
      })
      const events = await eventsOf(gateway, t.id)
      expect(events.map((e) => e.type)).toEqual(['auth.forbidden'])
    })
  })
})
