// POST /v1/events, GET /v1/events, GET /v1/events/{id} on both engines: what is accepted, what
// is refused (status, code, details), that a refused batch stores nothing, and that the
// server keeps answering afterwards.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isUuidV7 } from '@auditseal/core'
import type { AuditEvent } from '@auditseal/core'
import type { TestDatabase } from '../support/databases.js'
import { ENGINES } from '../support/databases.js'
import { allRows, expectedLeafHash } from '../support/audit-log.js'
import { makeEvent, makeEvents, newTenantId } from '../support/events.js'
import type { TestApp } from './support.js'
import { apiError, json, startTestApp, storedCount } from './support.js'
import { parseTimeFlag } from '../../src/cli/flags.js'

type Ack = { id: string; seq: number; leaf_hash: string; status: string }

describe.each(ENGINES)('events API on $name', ({ create }) => {
  let database: TestDatabase
  let t: TestApp

  beforeAll(async () => {
    database = await create()
    t = await startTestApp(database.db)
  })
  afterAll(async () => {
    await t?.close()
    await database?.drop()
  })

  const post = (payload: unknown, headers: Record<string, string> = t.auth.ingest) =>
    t.app.inject({ method: 'POST', url: '/v1/events', headers, payload: payload as object })
  const postRaw = (payload: string | Buffer, contentType = 'application/json') =>
    t.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { ...t.auth.ingest, 'content-type': contentType },
      payload,
    })
  const list = (query: string, headers: Record<string, string> = t.auth.read) =>
    t.app.inject({ method: 'GET', url: `/v1/events${query}`, headers })

  /** Checks that a refused request stored nothing and that the server still seals. */
  async function expectNothingStoredAndStillUp(before: number) {
    expect(await storedCount(t.db, t.tenant)).toBe(before)
    const ok = await post({ events: [withoutTenant(makeEvent(t.tenant, 0))] })
    expect(ok.statusCode).toBe(201)
  }

  describe('POST /v1/events', () => {
    it('seals a batch and acknowledges each event with its seq and leaf hash', async () => {
      const events = makeEvents(t.tenant, 5)
      const response = await post({ events })
      expect(response.statusCode).toBe(201)
      const { events: acks } = json<{ events: Ack[] }>(response)
      expect(acks.map((a) => a.id)).toEqual(events.map((e) => e.id))
      expect(acks.every((a) => a.status === 'created')).toBe(true)
      const rows = await allRows(t.db, t.tenant)
      for (const ack of acks) {
        const row = rows.find((r) => r.seq === ack.seq)
        expect(row?.id).toBe(ack.id)
        expect(Buffer.from(ack.leaf_hash, 'base64').toString('hex')).toBe(row?.leafHash)
        const recordedAt = (JSON.parse(row?.canonical ?? '{}') as AuditEvent).recorded_at ?? ''
        const event = events.find((e) => e.id === ack.id) as AuditEvent
        expect(row?.leafHash).toBe(expectedLeafHash(t.log, event, recordedAt))
      }
    })

    it('fills in tenant_id and generates a UUIDv7 id when they are omitted', async () => {
      const { id: _id, tenant_id: _tenant, ...rest } = makeEvent(t.tenant, 1)
      const response = await post({ events: [rest] })
      expect(response.statusCode).toBe(201)
      const body = json<{ tenant_id: string; events: Ack[] }>(response)
      expect(body.tenant_id).toBe(t.tenant) // how a client that sent none learns its tenant
      const [ack] = body.events
      expect(isUuidV7(ack?.id ?? '')).toBe(true)
      const stored = await t.app.inject({ url: `/v1/events/${ack?.id}`, headers: t.auth.read })
      expect(json(stored)).toMatchObject({ id: ack?.id, tenant_id: t.tenant, seq: ack?.seq })
    })

    it('answers a resent event as a duplicate with the original seq and leaf hash', async () => {
      const event = makeEvent(t.tenant, 2)
      const first = json<{ events: Ack[] }>(await post({ events: [event] })).events[0]
      const again = await post({ events: [event, { ...event }] })
      expect(again.statusCode).toBe(201)
      const acks = json<{ events: Ack[] }>(again).events
      for (const ack of acks) {
        expect(ack).toEqual({ ...first, status: 'duplicate' })
      }
    })

    it('accepts an event whose tenant_id is the credential tenant', async () => {
      const response = await post({ events: [makeEvent(t.tenant, 3)] }, t.auth.admin)
      expect(response.statusCode).toBe(201)
    })

    it('stores SQL-looking text verbatim and finds it by text search', async () => {
      const nasty = "'; DROP TABLE auditseal.audit_events; -- robert"
      const event = makeEvent(t.tenant, 4, {
        actor: { type: 'user', id: 'o\'brien"; --' },
        data: { comment: nasty, marker: 'zebracorn' },
      })
      expect((await post({ events: [event] })).statusCode).toBe(201)
      const stored = json(
        await t.app.inject({ url: `/v1/events/${event.id}`, headers: t.auth.read }),
      )
      expect(stored.data).toEqual({ comment: nasty, marker: 'zebracorn' })
      expect(stored.actor).toEqual({ type: 'user', id: 'o\'brien"; --' })
      const found = json<{ events: { id: string }[] }>(await list('?q=zebracorn'))
      expect(found.events.map((e) => e.id)).toEqual([event.id])
      const byActor = json<{ events: { id: string }[] }>(
        await list(`?actor_id=${encodeURIComponent('o\'brien"; --')}`),
      )
      expect(byActor.events.map((e) => e.id)).toEqual([event.id])
      const bySql = json<{ events: { id: string }[] }>(
        await list(`?q=${encodeURIComponent('DROP TABLE')}`),
      )
      expect(bySql.events.map((e) => e.id)).toContain(event.id)
    })

    it('stores __proto__ and constructor members of data as data', async () => {
      const text = JSON.stringify({ events: [makeEvent(t.tenant, 5, { data: { x: 1 } })] })
      const response = await postRaw(
        text.replace('"x":1', '"__proto__":{"polluted":true},"constructor":{"prototype":1}'),
      )
      expect(response.statusCode).toBe(201)
      expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    })

    describe('refuses the whole batch, storing nothing, when', () => {
      it('an event names another tenant (403 tenant_mismatch)', async () => {
        const before = await storedCount(t.db, t.tenant)
        const other = newTenantId()
        const events = [makeEvent(t.tenant, 0), makeEvent(other, 1), makeEvent(t.tenant, 2)]
        const response = await post({ events })
        expect(response.statusCode).toBe(403)
        const error = apiError(response)
        expect(error.code).toBe('tenant_mismatch')
        expect(error.details).toEqual([
          { index: 1, path: 'tenant_id', message: expect.stringContaining(other) },
        ])
        expect(await storedCount(t.db, other)).toBe(0)
        expect(t.failures.at(-1)).toMatchObject({ status: 403, code: 'tenant_mismatch' })
        await expectNothingStoredAndStillUp(before)
      })

      it('an event is invalid, listing every issue as {index, path, message}', async () => {
        const before = await storedCount(t.db, t.tenant)
        const good = makeEvent(t.tenant, 0)
        const bad = { ...makeEvent(t.tenant, 1), outcome: 'maybe', extra: 1 } as unknown
        const response = await post({ events: [good, bad, 'not an event'] })
        expect(response.statusCode).toBe(400)
        const error = apiError(response)
        expect(error.code).toBe('invalid_event')
        expect(error.message).toBe('2 of 3 events are not valid; nothing was stored')
        expect(error.details).toEqual([
          { index: 1, path: 'outcome', message: 'must be one of success, failure' },
          { index: 1, path: 'extra', message: 'is not a member of this object' },
          { index: 2, path: '', message: 'the event must be an object, not a string' },
        ])
        await expectNothingStoredAndStillUp(before)
      })

      it('an event carries recorded_at, which the log sets', async () => {
        const before = await storedCount(t.db, t.tenant)
        const event = { ...makeEvent(t.tenant, 0), recorded_at: '2026-01-01T00:00:00.000Z' }
        const alsoWrong = { ...event, outcome: 'maybe' }
        const response = await post({ events: [event, alsoWrong] })
        expect(response.statusCode).toBe(400)
        const message = 'is set by the log when the event is sealed: omit it'
        expect(apiError(response).details).toEqual([
          { index: 0, path: 'recorded_at', message },
          { index: 1, path: 'recorded_at', message },
          { index: 1, path: 'outcome', message: 'must be one of success, failure' },
        ])
        await expectNothingStoredAndStillUp(before)
      })

      it('members have the wrong types, or are null, or v is missing', async () => {
        const before = await storedCount(t.db, t.tenant)
        const { v: _v, ...noVersion } = makeEvent(t.tenant, 0)
        const events = [
          { ...makeEvent(t.tenant, 1), occurred_at: 12 },
          { ...makeEvent(t.tenant, 2), target: null },
          noVersion,
        ]
        const response = await post({ events })
        expect(response.statusCode).toBe(400)
        expect(apiError(response).details).toEqual([
          { index: 0, path: 'occurred_at', message: 'must be a string, not a number' },
          { index: 1, path: 'target', message: 'must be omitted when absent, not null' },
          { index: 2, path: 'v', message: 'is required' },
        ])
        await expectNothingStoredAndStillUp(before)
      })

      it('an event is over 64 KiB in canonical form, or its data over 32 KiB', async () => {
        const before = await storedCount(t.db, t.tenant)
        const big = makeEvent(t.tenant, 0, { data: { blob: 'x'.repeat(40 * 1024) } })
        const response = await post({ events: [big] })
        expect(response.statusCode).toBe(400)
        const error = apiError(response)
        expect(error.code).toBe('invalid_event')
        expect(error.details?.[0]).toMatchObject({ index: 0, path: 'data' })
        expect(String(error.details?.[0]?.message)).toMatch(/over 32768/)
        await expectNothingStoredAndStillUp(before)
      })

      it('a string holds a lone surrogate (\\ud800 in the JSON text)', async () => {
        const before = await storedCount(t.db, t.tenant)
        const text = JSON.stringify({ events: [makeEvent(t.tenant, 0, { data: { s: 'X' } })] })
        const response = await postRaw(text.replace('"X"', '"\\ud800"'))
        expect(response.statusCode).toBe(400)
        expect(apiError(response)).toMatchObject({
          code: 'invalid_event',
          details: [{ index: 0, path: 'data.s', message: expect.stringMatching(/lone/) }],
        })
        await expectNothingStoredAndStillUp(before)
      })

      it('a number does not fit a double (1e400)', async () => {
        const before = await storedCount(t.db, t.tenant)
        const text = JSON.stringify({ events: [makeEvent(t.tenant, 0, { data: { n: 1 } })] })
        const response = await postRaw(text.replace('"n":1', '"n":1e400'))
        expect(response.statusCode).toBe(400)
        expect(apiError(response)).toMatchObject({
          code: 'invalid_event',
          details: [{ index: 0, path: 'data.n', message: 'must be a finite number, not Infinity' }],
        })
        await expectNothingStoredAndStillUp(before)
      })

      it('data nests deeper than 32 levels, or the body nests 100,000 deep', async () => {
        const before = await storedCount(t.db, t.tenant)
        const deep = '['.repeat(5000) + ']'.repeat(5000)
        const text = JSON.stringify({ events: [makeEvent(t.tenant, 0, { data: { d: 1 } })] })
        const response = await postRaw(text.replace('"d":1', `"d":${deep}`))
        expect(response.statusCode).toBe(400)
        expect(apiError(response).details?.[0]).toMatchObject({
          index: 0,
          message: expect.stringMatching(/deeper than 32/),
        })
        const deeper = '['.repeat(100_000) + ']'.repeat(100_000)
        const whole = await postRaw(`{"events":[${deeper}]}`)
        expect(whole.statusCode).toBe(400)
        expect(apiError(whole).code).toBe('invalid_event')
        await expectNothingStoredAndStillUp(before)
      })

      it('an envelope string holds U+0000, which PostgreSQL text cannot store', async () => {
        const before = await storedCount(t.db, t.tenant)
        const event = makeEvent(t.tenant, 0, { actor: { type: 'user', id: 'a\u0000b' } })
        const response = await post({ events: [event] })
        expect(response.statusCode).toBe(400)
        expect(apiError(response).details).toEqual([
          { index: 0, path: 'actor.id', message: 'must not contain U+0000 (NUL)' },
        ])
        await expectNothingStoredAndStillUp(before)
      })

      it('the batch has 1,001 events, or none (400 invalid_request)', async () => {
        const before = await storedCount(t.db, t.tenant)
        const tooMany = await post({ events: makeEvents(t.tenant, 1001) })
        expect(tooMany.statusCode).toBe(400)
        expect(apiError(tooMany)).toMatchObject({
          code: 'invalid_request',
          details: [{ location: 'body', path: 'events', message: expect.stringMatching(/1000/) }],
        })
        const none = await post({ events: [] })
        expect(apiError(none)).toMatchObject({ code: 'invalid_request' })
        await expectNothingStoredAndStillUp(before)
      })

      it('the body has unknown members or the wrong shape (400 invalid_request)', async () => {
        const unknown = await post({ events: [makeEvent(t.tenant, 0)], tenant: 'x' })
        expect(unknown.statusCode).toBe(400)
        expect(apiError(unknown).details).toEqual([
          { location: 'body', path: 'tenant', message: 'is not a known member here' },
        ])
        const wrongType = await post({ events: 'many' })
        expect(apiError(wrongType).details).toEqual([
          { location: 'body', path: 'events', message: 'must be array' },
        ])
        const array = await postRaw('[1,2]')
        expect(apiError(array)).toMatchObject({ code: 'invalid_request' })
      })

      it('the body is not JSON, is empty, or is not UTF-8 (400 invalid_json)', async () => {
        const before = await storedCount(t.db, t.tenant)
        const broken = await postRaw('{"events": [')
        expect(broken.statusCode).toBe(400)
        expect(apiError(broken).code).toBe('invalid_json')
        expect(apiError(broken).message).toMatch(/^the request body is not valid JSON: /)
        expect(apiError(await postRaw('')).code).toBe('invalid_json')
        const latin1 = Buffer.concat([
          Buffer.from('{"events":[{"note":"caf'),
          Buffer.from([0xe9]),
          Buffer.from('"}]}'),
        ])
        const invalidUtf8 = await postRaw(latin1)
        expect(invalidUtf8.statusCode).toBe(400)
        expect(apiError(invalidUtf8)).toMatchObject({
          code: 'invalid_json',
          message: 'the request body is not valid UTF-8',
        })
        await expectNothingStoredAndStillUp(before)
      })

      it('the body is not application/json in UTF-8 (415)', async () => {
        const text = await postRaw('hello', 'text/plain')
        expect(text.statusCode).toBe(415)
        expect(apiError(text).code).toBe('unsupported_media_type')
        const form = await postRaw('events=1', 'application/x-www-form-urlencoded')
        expect(apiError(form).code).toBe('unsupported_media_type')
        const latin1 = await postRaw('{}', 'application/json; charset=iso-8859-1')
        expect(latin1.statusCode).toBe(415)
        const utf8 = await postRaw(
          JSON.stringify({ events: [makeEvent(t.tenant, 9)] }),
          'application/json; charset=UTF-8',
        )
        expect(utf8.statusCode).toBe(201)
      })

      it.each(['utf8', 'UTF8', '"utf8"'])(
        'is not refused for charset=%s, an alias of UTF-8',
        async (charset) => {
          const response = await postRaw(
            JSON.stringify({ events: [makeEvent(t.tenant, 10)] }),
            `application/json; charset=${charset}`,
          )
          expect(response.statusCode, response.body).toBe(201)
        },
      )

      it('a number a double cannot carry exactly (400; it would be sealed as another value)', async () => {
        const body = (n: string) =>
          JSON.stringify({ events: [makeEvent(t.tenant, 11, { data: { n: 0 } })] }).replace(
            '"n":0',
            `"n":${n}`,
          )
        const before = await storedCount(t.db, t.tenant)
        for (const n of ['18446744073709551616', '1e-400']) {
          const response = await postRaw(body(n), 'application/json')
          expect(response.statusCode).toBe(400)
          expect(apiError(response)).toMatchObject({
            code: 'invalid_request',
            message: expect.stringContaining(`the body holds the number ${n}, which`),
          })
        }
        expect(await storedCount(t.db, t.tenant)).toBe(before)
        const exact = await postRaw(body('9007199254740992'), 'application/json')
        expect(exact.statusCode).toBe(201)
      })

      it('the body is over the body limit (413)', async () => {
        const before = await storedCount(t.db, t.tenant)
        const huge = JSON.stringify({ events: [{ data: { x: 'x'.repeat(5 * 1024 * 1024) } }] })
        const response = await postRaw(huge)
        expect(response.statusCode).toBe(413)
        expect(apiError(response).code).toBe('payload_too_large')
        await expectNothingStoredAndStillUp(before)
      })
    })
  })

  describe('GET /v1/events', () => {
    const tenantEvents: AuditEvent[] = []
    let listing: TestApp['auth']['read']
    let tenant: string

    beforeAll(async () => {
      const other = await t.otherTenant()
      tenant = other.tenant
      listing = other.auth
      for (let i = 0; i < 40; i++) {
        tenantEvents.push(
          makeEvent(tenant, i, {
            type: i % 3 === 0 ? 'device.created' : i % 3 === 1 ? 'device.updated' : 'user.login',
          }),
        )
      }
      const response = await post({ events: tenantEvents }, listing)
      expect(response.statusCode).toBe(201)
    })

    const page = async (query: string) => {
      const response = await list(query, listing)
      expect(response.statusCode, response.body).toBe(200)
      return json<{ events: (AuditEvent & { seq: number })[]; next_cursor: string | null }>(
        response,
      )
    }

    it('lists newest first, 50 by default, with E members plus seq and leaf_hash', async () => {
      const { events, next_cursor } = await page('')
      expect(events.map((e) => e.seq)).toEqual([...Array(40).keys()].reverse())
      expect(next_cursor).toBeNull()
      expect(Object.keys(events[0] ?? {})).toEqual(
        expect.arrayContaining(['v', 'id', 'tenant_id', 'recorded_at', 'seq', 'leaf_hash']),
      )
    })

    it('pages with next_cursor in either order until it is null', async () => {
      for (const order of ['asc', 'desc']) {
        const seen: number[] = []
        let cursor: string | null = null
        do {
          const query: string = `?limit=7&order=${order}${cursor ? `&cursor=${cursor}` : ''}`
          const result = await page(query)
          seen.push(...result.events.map((e) => e.seq))
          cursor = result.next_cursor
        } while (cursor !== null)
        const all = [...Array(40).keys()]
        expect(seen).toEqual(order === 'asc' ? all : all.reverse())
      }
    })

    it('filters by exact type, type prefix, actor, target, outcome and time', async () => {
      expect((await page('?type=device.created')).events).toHaveLength(14)
      expect((await page('?type=device.*')).events).toHaveLength(27)
      const byActor = await page('?actor_id=user-2&actor_type=user')
      expect(byActor.events.every((e) => e.actor.id === 'user-2')).toBe(true)
      const byTarget = await page('?target_type=device&target_id=dev-3')
      expect(byTarget.events.every((e) => e.target?.id === 'dev-3')).toBe(true)
      const failures = await page('?outcome=failure')
      expect(failures.events.every((e) => e.outcome === 'failure')).toBe(true)
      const from = tenantEvents[10]?.occurred_at ?? ''
      const to = tenantEvents[20]?.occurred_at ?? ''
      const window = await page(`?from=${from}&to=${to}&order=asc`)
      expect(window.events.map((e) => e.seq)).toEqual([...Array(10).keys()].map((i) => i + 10))
      const offset = await page(`?from=${encodeURIComponent('2026-11-01T01:10:00+01:00')}`)
      expect(offset.events.map((e) => e.seq)).toEqual([...Array(30).keys()].map((i) => 39 - i))
    })

    it("never shows another tenant's events", async () => {
      const mine = await list('', t.auth.read)
      const ids = json<{ events: { id: string }[] }>(mine).events.map((e) => e.id)
      expect(ids.some((id) => tenantEvents.some((e) => e.id === id))).toBe(false)
      const theirs = await t.app.inject({
        url: `/v1/events/${tenantEvents[0]?.id}`,
        headers: t.auth.read,
      })
      expect(theirs.statusCode).toBe(404)
    })

    it.each([
      ['limit=0', 'limit'],
      ['limit=501', 'limit'],
      ['limit=1.5', 'limit'],
      ['limit=abc', 'limit'],
      ['limit=', 'limit'],
      ['order=up', 'order'],
      ['type=Device.Created', 'type'],
      ['type=device', 'type'],
      ['type=device.*.x', 'type'],
      ['outcome=maybe', 'outcome'],
      ['actor_type=robot', 'actor_type'],
      ['from=yesterday', 'from'],
      ['from=2026-02-30T00:00:00Z', 'from'],
      ['to=2026-01-01', 'to'],
      // Values RFC 3339 or the date-time format allow but PostgreSQL refuses (once a 500):
      // year 0000, an RFC 9557 time zone suffix, offsets beyond ±15:59.
      ['from=0000-01-01T00:00:00Z', 'from'],
      ['from=2024-01-01T00:00:00Z%5BEurope%2FParis%5D', 'from'],
      ['to=2024-01-01T00:00:00%2B16:00', 'to'],
      ['from=9999-12-31T23:59:59-23:59', 'from'],
      ['to=2024-01-01T00:00:00-16:00', 'to'],
      // A leap second other than at 23:59 UTC; one at hour 24 the date-time format would take.
      ['from=2016-12-31T10:00:60Z', 'from'],
      ['to=2016-12-31T24:00:60%2B00:01', 'to'],
      ['q=', 'q'],
      ['bogus=1', 'bogus'],
      ['type=a.b&type=c.d', 'type'],
    ])('refuses %s as 400 invalid_request naming %s', async (query, field) => {
      const response = await list(`?${query}`)
      expect(response.statusCode).toBe(400)
      // The CLI's --from/--to refuse the same bounds before asking.
      const bound = /^(?:from|to)=([^&]*)$/.exec(query)?.[1]
      if (bound !== undefined) {
        expect(() => parseTimeFlag(decodeURIComponent(bound), '--from')).toThrow()
      }
      const error = apiError(response)
      expect(error.code).toBe('invalid_request')
      expect(error.details).toContainEqual(
        expect.objectContaining({ location: 'query', path: field }),
      )
    })

    it('says a repeated query parameter is repeated, not of the wrong type', async () => {
      const response = await list('?limit=5&limit=6&type=a.b&type=a.c')
      expect(response.statusCode).toBe(400)
      expect(apiError(response).details).toEqual([
        { location: 'query', path: 'limit', message: 'is given more than once; give it once' },
        { location: 'query', path: 'type', message: 'is given more than once; give it once' },
      ])
    })

    it.each([
      ['GET', '/v1/log'],
      ['GET', '/v1/checkpoints/latest'],
      ['GET', '/v1/events/01890a5d-ac96-774b-bcce-000000000001'],
      ['POST', '/v1/events'],
    ] as const)('refuses a query parameter on %s %s, which takes none', async (method, url) => {
      const payload = method === 'POST' ? { events: [makeEvent(t.tenant, 900)] } : undefined
      const response = await t.app.inject({
        method,
        url: `${url}?bogus=1`,
        headers: t.auth.admin,
        ...(payload && { payload }),
      })
      expect(response.statusCode).toBe(400)
      expect(apiError(response).details).toEqual([
        { location: 'query', path: 'bogus', message: 'is not a known member here' },
      ])
    })

    it.each([
      ['the first instant of year 0001, east of UTC', '0001-01-01T00:00:00+15:59'],
      ['the last instant of year 9999, west of UTC', '9999-12-31T23:59:59.999999-15:59'],
      ['a leap second', '2016-12-31T23:59:60Z'],
      ['a leap second, east of UTC', '2017-01-01T00:59:60.5+01:00'],
      ['lower-case t and z', '2024-03-07t10:00:00z'],
    ])('accepts from/to at the edges: %s', async (_what, instant) => {
      expect(parseTimeFlag(instant, '--from')).toBe(instant) // and so does the CLI
      const value = encodeURIComponent(instant)
      expect((await list(`?from=${value}`, listing)).statusCode).toBe(200)
      expect((await list(`?to=${value}`, listing)).statusCode).toBe(200)
    })

    it('says in words what a malformed type, from or to must be, not a regular expression', async () => {
      const response = await list('?type=device.&from=yesterday')
      expect(apiError(response).details).toEqual([
        {
          location: 'query',
          path: 'type',
          message: 'must be an exact event type (device.created) or a prefix of one (device.*)',
        },
        {
          location: 'query',
          path: 'from',
          message: 'must be an RFC 3339 date-time with an offset, e.g. 2024-03-07T10:00:00Z',
        },
      ])
    })

    it.each([
      ['2026-02-01T00:00:00Z', '2026-01-01T00:00:00Z'],
      ['2016-12-31T23:59:60Z', '2000-01-01T00:00:00Z'], // a leap second: Date.parse reads none
    ])('refuses from %s after to %s', async (from, to) => {
      const response = await list(`?from=${from}&to=${to}`)
      expect(response.statusCode).toBe(400)
      expect(apiError(response)).toMatchObject({ code: 'invalid_request' })
    })

    it.each([
      ['garbage', '!!!'],
      ['well-formed but foreign', Buffer.from('v1:desc:abc').toString('base64url')],
      ['made for the other order', Buffer.from('v1:asc:3').toString('base64url')],
    ])('refuses a cursor that is %s (400 invalid_cursor)', async (_what, cursor) => {
      const response = await list(`?cursor=${cursor}`)
      expect(response.statusCode).toBe(400)
      expect(apiError(response).code).toBe('invalid_cursor')
    })
  })

  describe('GET /v1/events/{id}', () => {
    it('returns the event exactly as stored, with seq and leaf_hash', async () => {
      const event = makeEvent(t.tenant, 7)
      const [ack] = json<{ events: Ack[] }>(await post({ events: [event] })).events
      const response = await t.app.inject({ url: `/v1/events/${event.id}`, headers: t.auth.read })
      expect(response.statusCode).toBe(200)
      const rows = await allRows(t.db, t.tenant)
      const row = rows.find((r) => r.id === event.id)
      const body = response.body
      expect(body).toBe(
        `${row?.canonical.slice(0, -1)},"seq":${ack?.seq},"leaf_hash":"${ack?.leaf_hash}"}`,
      )
    })

    it('answers 404 not_found for an unknown id and 400 for a malformed one', async () => {
      const missing = await t.app.inject({
        url: `/v1/events/${makeEvent(t.tenant, 0).id}`,
        headers: t.auth.read,
      })
      expect(missing.statusCode).toBe(404)
      expect(apiError(missing).code).toBe('not_found')
      const malformed = await t.app.inject({ url: '/v1/events/not-a-uuid', headers: t.auth.read })
      expect(malformed.statusCode).toBe(400)
      expect(apiError(malformed).details).toEqual([
        {
          location: 'path',
          path: 'id',
          message: 'must be a UUID in lowercase, e.g. 0190b6a4-7e5c-7000-8000-000000000001',
        },
      ])
    })

    it('answers an id over 100 characters with the route’s 400, not 404 no route', async () => {
      const response = await t.app.inject({
        url: `/v1/events/${'a'.repeat(150)}`,
        headers: t.auth.read,
      })
      expect(response.statusCode).toBe(400)
      expect(apiError(response)).toMatchObject({
        code: 'invalid_request',
        details: [expect.objectContaining({ location: 'path', path: 'id' })],
      })
      // Past the router's limit too, in the error format, without quoting the path back.
      const huge = await t.app.inject({
        url: `/v1/events/${'a'.repeat(600)}`,
        headers: t.auth.read,
      })
      expect(huge.statusCode).toBe(400)
      expect(apiError(huge)).toEqual({
        code: 'invalid_request',
        message: 'the URL path is not valid: a path parameter is too long',
      })
    })

    it.each(['/v1/events/%zz', '/v1/events/%E0%A4%A'])(
      'answers malformed percent-encoding (%s) with 400 invalid_request in the error format',
      async (url) => {
        const response = await t.app.inject({
          url,
          headers: { ...t.auth.read, 'x-request-id': 'req-bad-url' },
        })
        expect(response.statusCode).toBe(400)
        expect(response.headers['content-type']).toBe('application/json; charset=utf-8')
        expect(response.headers['x-request-id']).toBe('req-bad-url')
        expect(apiError(response)).toEqual({
          code: 'invalid_request',
          message: 'the URL path is not valid: malformed percent-encoding',
        })
      },
    )
  })
})

function withoutTenant(event: AuditEvent): Omit<AuditEvent, 'tenant_id'> {
  const { tenant_id: _tenant, ...rest } = event
  return rest
}
