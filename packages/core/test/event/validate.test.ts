import { describe, expect, it } from 'vitest'
import type { AuditEvent, EventIssue } from '@auditseal/core'
import {
  AuditsealError,
  InvalidEventError,
  MAX_DATA_BYTES,
  MAX_EVENT_BYTES,
  SYSTEM_TENANT_ID,
  assertValidEvent,
  canonicalBytes,
  utf8,
  validateEvent,
} from '@auditseal/core'
import { fullEvent, minimalEvent, withMembers, withoutMember } from './fixtures.js'

/** The issues of an input that must be invalid. */
function issuesOf(input: unknown, options?: { requireRecordedAt?: boolean }): EventIssue[] {
  const result = validateEvent(input, options)
  if (result.ok) throw new Error('expected the event to be invalid')
  return result.issues
}

/** Asserts that `input` has exactly one issue, at `path` with `rule`; returns its message. */
function expectOnlyIssue(input: unknown, path: string, rule: string): string {
  const issues = issuesOf(input)
  expect(issues.map(({ path, rule }) => ({ path, rule }))).toEqual([{ path, rule }])
  return (issues[0] as EventIssue).message
}

const withData = (data: unknown) => withMembers(minimalEvent(), { data })
const withActor = (actor: unknown) => withMembers(minimalEvent(), { actor })

describe('validateEvent', () => {
  describe('when the event is valid', () => {
    it('accepts the minimal event and returns the same object', () => {
      const event = minimalEvent()
      expect(validateEvent(event)).toEqual({ ok: true, event })
      expect((validateEvent(event) as { event: unknown }).event).toBe(event)
    })

    it('accepts an event with every member', () => {
      expect(validateEvent(fullEvent()).ok).toBe(true)
      expect(validateEvent(fullEvent(), { requireRecordedAt: true }).ok).toBe(true)
    })

    it('accepts the nil UUID of the system tenant and other UUID versions', () => {
      for (const tenant_id of [SYSTEM_TENANT_ID, '6ba7b810-9dad-11d1-80b4-00c04fd430c8']) {
        expect(validateEvent(withMembers(minimalEvent(), { tenant_id })).ok).toBe(true)
      }
    })

    it('accepts a failure without error, and every actor type', () => {
      expect(validateEvent(withMembers(minimalEvent(), { outcome: 'failure' })).ok).toBe(true)
      for (const type of ['user', 'service', 'device', 'api_key', 'system', 'anonymous']) {
        expect(validateEvent(withActor({ type, id: 'x' })).ok).toBe(true)
      }
    })

    it('accepts type with eight segments, 128 characters, and strings of 1024 characters', () => {
      expect(validateEvent(withMembers(minimalEvent(), { type: 'a.b.c.d.e.f.g.h' })).ok).toBe(true)
      const type128 = 'a'.repeat(60) + '.' + 'b'.repeat(67)
      expect(validateEvent(withMembers(minimalEvent(), { type: type128 })).ok).toBe(true)
      expect(validateEvent(withMembers(minimalEvent(), { request_id: 'r'.repeat(1024) })).ok).toBe(
        true,
      )
    })

    it('counts string length in code points: 1024 emoji are 2048 UTF-16 units but fit', () => {
      const name = '😀'.repeat(1024)
      expect(validateEvent(withActor({ type: 'user', id: 'u', name })).ok).toBe(true)
      expect(
        expectOnlyIssue(
          withActor({ type: 'user', id: 'u', name: name + 'x' }),
          'actor.name',
          'max_length',
        ),
      ).toBe('must be at most 1024 characters')
    })

    it('accepts leap days and the edges of the day', () => {
      for (const occurred_at of [
        '2024-02-29T00:00:00.000Z',
        '2000-02-29T23:59:59.999Z',
        '0001-01-01T00:00:00.000Z',
        '9999-12-31T23:59:59.999Z',
      ]) {
        expect(validateEvent(withMembers(minimalEvent(), { occurred_at })).ok).toBe(true)
      }
    })

    it('refuses year 0000, which PostgreSQL cannot store', () => {
      expect(
        expectOnlyIssue(
          withMembers(minimalEvent(), { occurred_at: '0000-12-31T23:59:59.999Z' }),
          'occurred_at',
          'format',
        ),
      ).toMatch(/^must be a real UTC time/)
    })

    it('accepts IPv4, IPv6 and IPv4-mapped IPv6 addresses in source.ip', () => {
      for (const ip of [
        '192.0.2.1',
        '0.0.0.0',
        '::',
        '::1',
        'FE80::1',
        '::ffff:192.0.2.1',
        '1:2:3:4:5:6:7:8',
      ]) {
        expect(validateEvent(withMembers(minimalEvent(), { source: { ip } })).ok, ip).toBe(true)
      }
    })

    it('accepts data with JSON values of every kind, null members and objects without prototype', () => {
      const bare = Object.create(null) as Record<string, unknown>
      bare.x = 1
      const data = { s: '', n: -0.5, t: true, f: false, z: null, a: [[], {}], bare }
      expect(validateEvent(withData(data)).ok).toBe(true)
    })

    it('accepts data nested exactly 32 levels deep, counting data itself', () => {
      expect(validateEvent(withData(nest(32))).ok).toBe(true)
    })

    it('accepts a JSON member named __proto__ in data (an own property after JSON.parse)', () => {
      const data: unknown = JSON.parse('{"__proto__": {"x": 1}}')
      expect(validateEvent(withData(data)).ok).toBe(true)
    })

    it('accepts data of exactly MAX_DATA_BYTES canonical bytes', () => {
      const data = { b: 'x'.repeat(MAX_DATA_BYTES - '{"b":""}'.length) }
      expect(validateEvent(withData(data)).ok).toBe(true)
    })
  })

  describe('when the input is not an object', () => {
    it.each([
      ['null', null],
      ['an array', []],
      ['a string', '{}'],
      ['a Date', new Date()],
      ['undefined', undefined],
    ])('rejects %s at the root', (_name, input) => {
      expect(expectOnlyIssue(input, '', 'type')).toMatch(/^the event must be/)
    })
  })

  describe('members of the envelope', () => {
    it('requires v, id, tenant_id, type, outcome, occurred_at and actor', () => {
      for (const key of ['v', 'id', 'tenant_id', 'type', 'outcome', 'occurred_at', 'actor']) {
        expect(expectOnlyIssue(withoutMember(minimalEvent(), key), key, 'required')).toBe(
          'is required',
        )
      }
    })

    it('rejects an event that would inherit members from a prototype', () => {
      const event = Object.assign(
        Object.create({ v: 1 }) as object,
        withoutMember(minimalEvent(), 'v'),
      )
      expect(issuesOf(event)[0]).toMatchObject({ path: '', rule: 'type' })
    })

    it('rejects v other than 1', () => {
      expect(expectOnlyIssue(withMembers(minimalEvent(), { v: 2 }), 'v', 'enum')).toBe(
        'unsupported envelope version 2; must be 1',
      )
      expectOnlyIssue(withMembers(minimalEvent(), { v: '1' }), 'v', 'type')
      expectOnlyIssue(withMembers(minimalEvent(), { v: null }), 'v', 'type')
    })

    it('rejects an id that is not a lowercase UUIDv7', () => {
      const id = (value: string) => withMembers(minimalEvent(), { id: value })
      expect(expectOnlyIssue(id('0190163D-8694-739B-AEA5-966C26F8AD91'), 'id', 'format')).toMatch(
        /lowercase/,
      )
      expectOnlyIssue(id('3f2c1b8e-9d4a-4c6e-8f10-2a3b4c5d6e7f'), 'id', 'format') // version 4
      expectOnlyIssue(id('0190163d-8694-739b-cea5-966c26f8ad91'), 'id', 'format') // variant 110x
      expectOnlyIssue(id('0190163d-8694-739b-7ea5-966c26f8ad91'), 'id', 'format') // variant 0xxx
      expectOnlyIssue(id('not-a-uuid'), 'id', 'format')
      expectOnlyIssue(withMembers(minimalEvent(), { id: 42 }), 'id', 'type')
    })

    it('rejects a tenant_id that is not a lowercase UUID', () => {
      const tenant = (tenant_id: string) => withMembers(minimalEvent(), { tenant_id })
      expectOnlyIssue(tenant('acme'), 'tenant_id', 'format')
      expectOnlyIssue(tenant('3F2C1B8E-9D4A-4C6E-8F10-2A3B4C5D6E7F'), 'tenant_id', 'format')
      expectOnlyIssue(tenant('{3f2c1b8e-9d4a-4c6e-8f10-2a3b4c5d6e7f}'), 'tenant_id', 'format')
    })

    it('rejects a type that does not match the pattern or is too long', () => {
      const type = (value: string) => withMembers(minimalEvent(), { type: value })
      for (const bad of [
        'device',
        'Device.created',
        'device.',
        '.device',
        'device..created',
        'device.1x',
        'a.b.c.d.e.f.g.h.i',
        'device-x.created',
        'device.created ',
      ]) {
        expectOnlyIssue(type(bad), 'type', 'pattern')
      }
      expect(
        expectOnlyIssue(type('a'.repeat(60) + '.' + 'b'.repeat(68)), 'type', 'max_length'),
      ).toBe('must be at most 128 characters')
      expectOnlyIssue(type(''), 'type', 'min_length')
    })

    it('rejects an outcome outside the enum', () => {
      expect(
        expectOnlyIssue(withMembers(minimalEvent(), { outcome: 'ok' }), 'outcome', 'enum'),
      ).toBe('must be one of success, failure')
    })

    it.each([
      '2025-02-30T00:00:00.000Z',
      '2023-02-29T00:00:00.000Z',
      '1900-02-29T00:00:00.000Z',
      '2024-04-31T00:00:00.000Z',
      '2024-13-01T00:00:00.000Z',
      '2024-00-10T00:00:00.000Z',
      '2024-06-00T00:00:00.000Z',
      '2024-06-12T24:00:00.000Z',
      '2024-06-12T23:60:00.000Z',
      '2016-12-31T23:59:60.000Z',
      '2024-06-12T08:30:00Z',
      '2024-06-12T08:30:00.1Z',
      '2024-06-12T08:30:00.1234Z',
      '2024-06-12T08:30:00.000+00:00',
      '2024-06-12 08:30:00.000Z',
      '2024-06-12t08:30:00.000z',
      '+02024-06-12T08:30:00.000Z',
      '２０２４-06-12T08:30:00.000Z',
    ])('rejects occurred_at %s', (occurred_at) => {
      expectOnlyIssue(withMembers(minimalEvent(), { occurred_at }), 'occurred_at', 'format')
    })

    it('checks recorded_at like occurred_at, and requires it only when asked', () => {
      const recorded = withMembers(minimalEvent(), { recorded_at: '2024-06-12T08:30:00.000' })
      expectOnlyIssue(recorded, 'recorded_at', 'format')
      expect(validateEvent(minimalEvent()).ok).toBe(true)
      expect(issuesOf(minimalEvent(), { requireRecordedAt: true })).toEqual([
        { path: 'recorded_at', rule: 'required', message: 'is required' },
      ])
    })
  })

  describe('actor, target, source and error', () => {
    it('rejects an actor that is not an object', () => {
      expect(expectOnlyIssue(withActor('user-123'), 'actor', 'type')).toBe(
        'must be an object, not a string',
      )
      expectOnlyIssue(withActor(null), 'actor', 'type')
      expectOnlyIssue(withActor([{ type: 'user', id: 'u' }]), 'actor', 'type')
    })

    it('rejects an actor.type outside the enum with the list of allowed types', () => {
      expect(expectOnlyIssue(withActor({ type: 'robot', id: 'r2' }), 'actor.type', 'enum')).toBe(
        'must be one of user, service, device, api_key, system, anonymous',
      )
    })

    it('rejects missing, empty and non-string actor ids and names', () => {
      expectOnlyIssue(withActor({ type: 'user' }), 'actor.id', 'required')
      expectOnlyIssue(withActor({ type: 'user', id: '' }), 'actor.id', 'min_length')
      expectOnlyIssue(withActor({ type: 'user', id: 7 }), 'actor.id', 'type')
      expectOnlyIssue(withActor({ type: 'user', id: 'u', name: '' }), 'actor.name', 'min_length')
    })

    it('rejects unknown members of actor, target, source and error', () => {
      expectOnlyIssue(
        withActor({ type: 'user', id: 'u', email: 'a@b' }),
        'actor.email',
        'unknown_member',
      )
      const target = { type: 'device', id: 'd', owner: 'x' }
      expectOnlyIssue(withMembers(minimalEvent(), { target }), 'target.owner', 'unknown_member')
      const source = { ip: '192.0.2.1', port: 443 }
      expectOnlyIssue(withMembers(minimalEvent(), { source }), 'source.port', 'unknown_member')
      const failure = { outcome: 'failure', error: { message: 'x', stack: 'at ...' } }
      expectOnlyIssue(withMembers(minimalEvent(), failure), 'error.stack', 'unknown_member')
    })

    it('requires target.type and target.id as non-empty strings', () => {
      const target = (value: unknown) => withMembers(minimalEvent(), { target: value })
      expectOnlyIssue(target({ id: 'd' }), 'target.type', 'required')
      expectOnlyIssue(target({ type: 'device' }), 'target.id', 'required')
      expectOnlyIssue(target({ type: '', id: 'd' }), 'target.type', 'min_length')
      expectOnlyIssue(target({ type: 'device', id: 5 }), 'target.id', 'type')
      expectOnlyIssue(target('device:d'), 'target', 'type')
    })

    it.each([
      '256.1.1.1',
      '10.01.1.1',
      '1.2.3',
      '1.2.3.4.5',
      '192.0.2.1:443',
      '[2001:db8::1]',
      'fe80::1%eth0',
      '2001::db8::1',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7',
      ':::',
      '12345::1',
      '::1.2.3.4:1',
      '10.0.0.0/8',
      'localhost',
      ' 192.0.2.1',
    ])('rejects source.ip %s', (ip) => {
      expectOnlyIssue(withMembers(minimalEvent(), { source: { ip } }), 'source.ip', 'format')
    })

    it('rejects request_id and user_agent that are not non-empty strings', () => {
      expectOnlyIssue(withMembers(minimalEvent(), { request_id: 5 }), 'request_id', 'type')
      const source = { user_agent: '' }
      expectOnlyIssue(withMembers(minimalEvent(), { source }), 'source.user_agent', 'min_length')
    })

    it('rejects error when outcome is success, without looking inside it', () => {
      const event = withMembers(minimalEvent(), { error: { bogus: true } })
      expect(expectOnlyIssue(event, 'error', 'not_allowed')).toBe(
        'is only allowed when outcome is failure',
      )
    })

    it('requires error.message and checks error.code', () => {
      const failure = (error: unknown) => withMembers(minimalEvent(), { outcome: 'failure', error })
      expectOnlyIssue(failure({ code: 'E1' }), 'error.message', 'required')
      expectOnlyIssue(failure({ code: 1, message: 'x' }), 'error.code', 'type')
      expectOnlyIssue(failure({ message: 'x'.repeat(1025) }), 'error.message', 'max_length')
    })
  })

  describe('optional members', () => {
    it.each(['recorded_at', 'target', 'source', 'request_id', 'error', 'data'])(
      'rejects %s: null, asking to omit it',
      (key) => {
        const event = withMembers(minimalEvent(), { outcome: 'failure', [key]: null })
        expect(expectOnlyIssue(event, key, 'null_member')).toBe(
          'must be omitted when absent, not null',
        )
      },
    )

    it('rejects null in nested optional members', () => {
      expectOnlyIssue(withActor({ type: 'user', id: 'u', name: null }), 'actor.name', 'null_member')
      const source = { ip: null }
      expectOnlyIssue(withMembers(minimalEvent(), { source }), 'source.ip', 'null_member')
    })

    it('rejects a member present with the value undefined', () => {
      expectOnlyIssue(withMembers(minimalEvent(), { target: undefined }), 'target', 'not_json')
      expectOnlyIssue(withMembers(minimalEvent(), { actor: undefined }), 'actor', 'not_json')
    })
  })

  describe('unknown members', () => {
    it('rejects seq and leaf_hash, which are not members of E', () => {
      expect(
        expectOnlyIssue(withMembers(minimalEvent(), { seq: 0 }), 'seq', 'unknown_member'),
      ).toMatch(/strip it before validating/)
      expectOnlyIssue(
        withMembers(minimalEvent(), { leaf_hash: 'AAAA' }),
        'leaf_hash',
        'unknown_member',
      )
    })

    it('rejects any other top-level member, quoting odd names in the path', () => {
      expectOnlyIssue(
        withMembers(minimalEvent(), { severity: 'high' }),
        'severity',
        'unknown_member',
      )
      expectOnlyIssue(withMembers(minimalEvent(), { 'a.b': 1 }), '["a.b"]', 'unknown_member')
      const inherited = JSON.parse('{"constructor": 1, "__proto__": 2}') as object
      expect(issuesOf({ ...minimalEvent(), ...inherited })).toEqual([
        { path: 'constructor', rule: 'unknown_member', message: 'is not a member of this object' },
        { path: '__proto__', rule: 'unknown_member', message: 'is not a member of this object' },
      ])
    })
  })

  describe('data', () => {
    it('must be a plain object', () => {
      expectOnlyIssue(withData([1, 2]), 'data', 'type')
      expectOnlyIssue(withData('{}'), 'data', 'type')
      expectOnlyIssue(withData(new Map([['a', 1]])), 'data', 'type')
      expectOnlyIssue(withData(new (class Payload {})()), 'data', 'type')
    })

    it.each([
      ['undefined', undefined],
      ['a function', () => 1],
      ['a bigint', 1n],
      ['a symbol', Symbol('s')],
      ['a Date', new Date(0)],
      ['a Map', new Map()],
      ['a Set', new Set()],
      ['a class instance', new (class Point {})()],
      ['a typed array', new Uint8Array(2)],
      ['a boxed string', new String('x')],
    ])('rejects %s inside data', (_name, value) => {
      expectOnlyIssue(withData({ list: [1, { value }] }), 'data.list[1].value', 'not_json')
    })

    it.each([NaN, Infinity, -Infinity])('rejects the non-finite number %s', (value) => {
      expectOnlyIssue(withData({ n: value }), 'data.n', 'non_finite')
    })

    it('rejects a number beyond the double range after JSON.parse (1e400 is Infinity)', () => {
      const data: unknown = JSON.parse('{"huge": 1e400}')
      expectOnlyIssue(withData(data), 'data.huge', 'non_finite')
    })

    it('rejects lone surrogates in strings and member names, high or low', () => {
      expectOnlyIssue(withData({ s: 'a\ud800b' }), 'data.s', 'lone_surrogate')
      expectOnlyIssue(withData({ s: ['\udc00'] }), 'data.s[0]', 'lone_surrogate')
      expectOnlyIssue(withData({ s: 'end\ud83d' }), 'data.s', 'lone_surrogate')
      expectOnlyIssue(withData({ s: '\ude00\ud83d' }), 'data.s', 'lone_surrogate') // pair reversed
      expectOnlyIssue(withData({ ['k\udc00']: 1 }), 'data["k\\udc00"]', 'lone_surrogate')
    })

    it('rejects lone surrogates in envelope strings too', () => {
      expectOnlyIssue(withActor({ type: 'user', id: '\udbff' }), 'actor.id', 'lone_surrogate')
    })

    it('rejects sparse arrays, arrays with extra properties, getters and symbol keys', () => {
      // eslint-disable-next-line no-sparse-arrays
      expectOnlyIssue(withData({ a: [1, , 3] }), 'data.a', 'not_json')
      expectOnlyIssue(withData({ a: Object.assign([1], { extra: true }) }), 'data.a', 'not_json')
      const getter = Object.defineProperty({}, 'x', { get: () => 1, enumerable: true })
      expectOnlyIssue(withData({ g: getter }), 'data.g', 'not_json')
      expectOnlyIssue(withData({ s: { [Symbol('k')]: 1 } }), 'data.s', 'not_json')
      const hidden = Object.defineProperty({}, 'x', { value: 1, enumerable: false })
      expectOnlyIssue(withData({ h: hidden }), 'data.h', 'not_json')
    })

    it('rejects nesting deeper than 32 levels, counting data itself', () => {
      const path = 'data' + '.a'.repeat(32)
      expect(expectOnlyIssue(withData(nest(33)), path, 'max_depth')).toMatch(/32 levels/)
    })

    it('survives cycles and very deep nesting without overflowing the stack', () => {
      const cycle: Record<string, unknown> = {}
      cycle.self = cycle
      expectOnlyIssue(withData(cycle), 'data' + '.self'.repeat(32), 'max_depth')
      expectOnlyIssue(withData(nest(100_000)), 'data' + '.a'.repeat(32), 'max_depth')
    })

    it('rejects data over MAX_DATA_BYTES of canonical UTF-8', () => {
      const data = { b: 'x'.repeat(MAX_DATA_BYTES - '{"b":""}'.length + 1) }
      expect(expectOnlyIssue(withData(data), 'data', 'max_size')).toBe(
        `canonical form is ${MAX_DATA_BYTES + 1} bytes, over ${MAX_DATA_BYTES}`,
      )
    })

    it('measures data in UTF-8 bytes, not characters', () => {
      // '€' is 3 bytes in UTF-8: 11,000 of them are 33,000 bytes though only 11,000 characters.
      expectOnlyIssue(withData({ b: '€'.repeat(11_000) }), 'data', 'max_size')
    })
  })

  describe('the whole event', () => {
    // Every member within its own limit, the sum at the limit. A control character
    // canonicalizes to \u00XX (6 bytes), so 1024 of them make 6 KiB per string.
    function eventOfSize(bytes: number): AuditEvent {
      const long = '\u0001'.repeat(1024)
      const event: AuditEvent = {
        ...fullEvent(),
        actor: { type: 'user', id: long, name: long },
        target: { type: long, id: long, name: long },
        source: { user_agent: long },
        request_id: long,
        error: { code: long, message: long },
        data: { b: '' },
      }
      const padding = bytes - canonicalBytes(event).length
      return { ...event, data: { b: 'x'.repeat(padding) } }
    }

    it('accepts an event of exactly MAX_EVENT_BYTES canonical bytes', () => {
      const event = eventOfSize(MAX_EVENT_BYTES)
      expect(canonicalBytes(event).length).toBe(MAX_EVENT_BYTES)
      expect(utf8((event.data as { b: string }).b).length).toBeLessThan(MAX_DATA_BYTES)
      expect(validateEvent(event).ok).toBe(true)
    })

    it('rejects an event one byte over MAX_EVENT_BYTES', () => {
      expect(expectOnlyIssue(eventOfSize(MAX_EVENT_BYTES + 1), '', 'max_size')).toBe(
        `canonical form is ${MAX_EVENT_BYTES + 1} bytes, over ${MAX_EVENT_BYTES}`,
      )
    })

    it('collects every issue, in the order of the envelope', () => {
      const event = {
        v: 2,
        id: 'x',
        type: 'Bad',
        outcome: 'success',
        occurred_at: '2024-06-12T08:30:00.123Z',
        actor: { type: 'robot' },
        error: { message: 'boom' },
        data: { n: NaN, s: '\ud800' },
        seq: 1,
      }
      expect(issuesOf(event).map(({ path, rule }) => `${path} ${rule}`)).toEqual([
        'v enum',
        'id format',
        'tenant_id required',
        'type pattern',
        'actor.type enum',
        'actor.id required',
        'error not_allowed',
        'data.n non_finite',
        'data.s lone_surrogate',
        'seq unknown_member',
      ])
    })
  })
})

describe('assertValidEvent', () => {
  it('returns a valid event', () => {
    const event = fullEvent()
    expect(assertValidEvent(event)).toBe(event)
  })

  it('throws InvalidEventError with code INVALID_EVENT, the issues, and a message listing them', () => {
    const input = withActor({ type: 'robot', id: 'r2' })
    let error: unknown
    try {
      assertValidEvent(input)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(InvalidEventError)
    expect(error).toBeInstanceOf(AuditsealError)
    const invalid = error as InvalidEventError
    expect(invalid.code).toBe('INVALID_EVENT')
    expect(invalid.name).toBe('InvalidEventError')
    expect(invalid.message).toBe(
      'invalid event: actor.type: must be one of user, service, device, api_key, system, anonymous',
    )
    expect(invalid.issues).toEqual([
      {
        path: 'actor.type',
        rule: 'enum',
        message: 'must be one of user, service, device, api_key, system, anonymous',
      },
    ])
  })

  it('passes options on, shows the root as (root), and shortens long lists', () => {
    expect(() => assertValidEvent(minimalEvent(), { requireRecordedAt: true })).toThrow(
      'invalid event: recorded_at: is required',
    )
    expect(() => assertValidEvent([])).toThrow(
      'invalid event: (root): the event must be an object, not an array',
    )
    const many = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`x${i}`, i]))
    expect(() => assertValidEvent({ ...minimalEvent(), ...many })).toThrow(/x9: .*; and 5 more$/)
  })
})

/** `{a: {a: ... {}}}` with `depth` objects in all. */
function nest(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = {}
  for (let i = 1; i < depth; i++) value = { a: value }
  return value
}

describe('NUL in the envelope', () => {
  it('is refused outside data, where strings become database columns, and allowed inside data', async () => {
    const { validateEvent } = await import('@auditseal/core')
    const base = {
      v: 1,
      id: '0190d0a8-7f3c-7b6e-9a2d-3c4b5a697887',
      tenant_id: '0190d0a8-7f3c-7b6e-9a2d-3c4b5a697888',
      type: 'device.created',
      outcome: 'success',
      occurred_at: '2026-11-30T12:00:00.000Z',
      actor: { type: 'user', id: 'alice' },
    }
    const bad = validateEvent({ ...base, actor: { type: 'user', id: 'al\u0000ice' } })
    expect(bad.ok).toBe(false)
    if (!bad.ok)
      expect(bad.issues).toEqual([expect.objectContaining({ path: 'actor.id', rule: 'format' })])
    expect(validateEvent({ ...base, data: { note: 'a\u0000b' } }).ok).toBe(true)
  })
})
