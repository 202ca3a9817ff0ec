// validateEvent answers most calls from a fast path (src/event/fast-path.ts) and runs the
// thorough walk only to describe a failure. These tests pin the two to the same verdict on
// valid events, on events mutated in every way the rules care about, and on random ones: the
// fast path accepts exactly what the thorough walk accepts, and validateEvent's answer is
// the thorough walk's, issue for issue.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { AuditEvent } from '@auditseal/core'
import {
  ACTOR_TYPES,
  MAX_DATA_BYTES,
  MAX_DATA_DEPTH,
  MAX_EVENT_BYTES,
  OUTCOMES,
  isEventTimestamp,
  isIpv4,
  validateEvent,
  validateEventJson,
} from '@auditseal/core'
import { eventSizeBound, isValidEvent, validEventJson } from '../../src/event/fast-path.js'
import { validateEventThoroughly } from '../../src/event/validate.js'
import { fullEvent, minimalEvent } from './fixtures.js'

/** Checks one input under both options; returns whether it was valid (without recorded_at required). */
function expectSameVerdict(input: unknown): boolean {
  let valid = false
  for (const requireRecordedAt of [false, true]) {
    const thorough = validateEventThoroughly(input, { requireRecordedAt })
    const fast = validEventJson(input, requireRecordedAt)
    expect(fast !== undefined, show(input)).toBe(thorough.ok)
    expect(isValidEvent(input, requireRecordedAt), show(input)).toBe(thorough.ok)
    // What JSON.parse makes of it (when JSON can carry it), with the checks for accessors and
    // the like skipped as the server skips them for a request body.
    const text = jsonText(input)
    if (text !== undefined) {
      const parsed: unknown = JSON.parse(text)
      expect(isValidEvent(parsed, requireRecordedAt, true), text.slice(0, 300)).toBe(
        validateEventThoroughly(parsed, { requireRecordedAt }).ok,
      )
    }
    if (fast !== undefined) expect(fast).toBe(JSON.stringify(input))
    // What callers get is the thorough walk's answer, issues included.
    expect(validateEvent(input, { requireRecordedAt })).toEqual(thorough)
    const withJson = validateEventJson(input, { requireRecordedAt })
    expect(withJson.ok).toBe(thorough.ok)
    if (withJson.ok) expect(withJson.json).toBe(JSON.stringify(input))
    if (!requireRecordedAt) valid = thorough.ok
  }
  return valid
}

/** JSON.stringify(input), or undefined where JSON cannot carry it (a cycle, a BigInt …). */
function jsonText(input: unknown): string | undefined {
  try {
    return JSON.stringify(input)
  } catch {
    return undefined
  }
}

/** The input, shortened, for a failure message. */
function show(input: unknown): string {
  try {
    return JSON.stringify(input)?.slice(0, 300) ?? String(input)
  } catch {
    return String(input)
  }
}

const ID = '0190163d-8694-739b-aea5-966c26f8ad91'
const TENANT = '3f2c1b8e-9d4a-4c6e-8f10-2a3b4c5d6e7f'

const getter = () => Object.defineProperty({}, 'x', { get: () => 'x', enumerable: true })
const setterOnly = () => Object.defineProperty({}, 'x', { set: () => {}, enumerable: true })
const nonEnumerable = () => Object.defineProperty({ a: 'x' }, 'b', { value: 'y' })
const withSymbol = () => ({ a: 'x', [Symbol('s')]: 'y' })
const bare = () => Object.assign(Object.create(null) as object, { type: 'user', id: 'u' })
const arrayWithProto = () => Object.setPrototypeOf(['a'], Object.prototype) as unknown
const sparse = () => {
  const array: unknown[] = ['a']
  array[2] = 'c'
  return array
}
const arrayWithExtra = () => Object.assign(['a'], { extra: 1 })

/** Values that probe each rule: right ones, wrong ones, and ones that are not JSON. */
const PROBES: (() => unknown)[] = [
  ...[
    // Every actor type and outcome the envelope knows, so that the fast path's sets cannot
    // drift from types.ts unnoticed.
    ...ACTOR_TYPES,
    ...OUTCOMES,
    '0000-01-01T00:00:00.000Z',
    '0001-01-01T00:00:00.000Z',
    '',
    'x',
    'user',
    'service',
    'anonymous',
    'success',
    'failure',
    'a\u0000b',
    'a\uD800',
    '\uDC00b',
    '😀',
    'x'.repeat(1024),
    'x'.repeat(1025),
    '😀'.repeat(1024),
    '😀'.repeat(1025),
    'é'.repeat(1025),
    ID,
    ID.toUpperCase(),
    TENANT,
    '00000000-0000-0000-0000-000000000000',
    '2024-06-12T08:30:00.123Z',
    '2024-02-29T08:30:00.123Z',
    '2023-02-29T08:30:00.123Z',
    '2024-06-12T24:00:00.000Z',
    '2024-06-12 08:30:00.123Z',
    '192.0.2.1',
    '01.2.3.4',
    '256.1.1.1',
    '::1',
    '::ffff:192.0.2.1',
    'fe80::1%eth0',
    'device.created',
    'Device.created',
    'a'.repeat(60) + '.' + 'b'.repeat(67),
    'a'.repeat(60) + '.' + 'b'.repeat(68),
  ].map((value) => () => value),
  () => null,
  () => undefined,
  () => 1,
  () => 2,
  () => -0,
  () => Number.NaN,
  () => Number.POSITIVE_INFINITY,
  () => true,
  () => 10n,
  () => Symbol('s'),
  () => () => 1,
  () => [],
  () => ['a', 1, null],
  () => ({}),
  () => ({ type: 'user', id: 'u' }),
  () => ({ type: 'device', id: 'd', name: 'n' }),
  () => ({ ip: '192.0.2.1', user_agent: 'ua' }),
  () => ({ message: 'm' }),
  () => ({ code: 'c', message: 'm' }),
  () => ({ nested: { deeper: [1, 'two', { three: 3 }] } }),
  () => ({ 'a\uD800': 1 }),
  () => new Date(0),
  () => new Map(),
  getter,
  setterOnly,
  nonEnumerable,
  withSymbol,
  bare,
  arrayWithProto,
  sparse,
  arrayWithExtra,
  () => nest(32),
  () => nest(33),
  () => ({ big: 'x'.repeat(MAX_DATA_BYTES - 10) }), // exactly MAX_DATA_BYTES
  () => ({ big: 'x'.repeat(MAX_DATA_BYTES - 9) }), // one byte over
  () => ({ big: 'é'.repeat((MAX_DATA_BYTES - 10) / 2) }), // exactly, in 2-byte characters
  () => ({ big: 'é'.repeat((MAX_DATA_BYTES - 10) / 2) + 'x' }),
]

function nest(levels: number): unknown {
  let value: unknown = 'leaf'
  for (let i = 1; i < levels; i++) value = { n: value }
  return { n: value }
}

/** Where a mutation may act: members of the event and of its objects. */
const PATHS = [
  'v',
  'id',
  'tenant_id',
  'type',
  'outcome',
  'occurred_at',
  'recorded_at',
  'actor',
  'actor.type',
  'actor.id',
  'actor.name',
  'actor.extra',
  'target',
  'target.type',
  'target.id',
  'target.name',
  'source',
  'source.ip',
  'source.user_agent',
  'source.port',
  'request_id',
  'error',
  'error.code',
  'error.message',
  'error.stack',
  'data',
  'data.x',
  'data.y.z',
  'data.a\uD800',
  'seq',
  'leaf_hash',
  'constructor',
]

type Mutation = { path: string; probe: number } | { path: string; remove: true }

function mutate(base: AuditEvent, mutations: Mutation[]): unknown {
  const event = structuredClone(base) as unknown as Record<string, unknown>
  for (const mutation of mutations) {
    const parts = mutation.path.split('.')
    let parent = event
    for (const part of parts.slice(0, -1)) {
      const child = parent[part]
      if (typeof child !== 'object' || child === null || Array.isArray(child)) {
        parent[part] = {}
      } else if (Object.getPrototypeOf(child) !== Object.prototype) {
        // A probe put something unusual here: keep going in a plain copy.
        parent[part] = { ...(child as object) }
      }
      parent = parent[part] as Record<string, unknown>
    }
    const key = parts.at(-1) as string
    try {
      if ('remove' in mutation) delete parent[key]
      else parent[key] = (PROBES[mutation.probe] as () => unknown)()
    } catch {
      // A probe made this member read-only (a getter without a setter): it stays as it is.
    }
  }
  return event
}

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    path: fc.constantFrom(...PATHS),
    probe: fc.integer({ min: 0, max: PROBES.length - 1 }),
  }),
  fc.record({ path: fc.constantFrom(...PATHS), remove: fc.constant(true as const) }),
)

describe('the fast path of validateEvent', () => {
  it('accepts the valid fixtures, and returns their JSON', () => {
    for (const event of [minimalEvent(), fullEvent()]) {
      expect(expectSameVerdict(event)).toBe(true)
      expect(validEventJson(event, false)).toBe(JSON.stringify(event))
    }
  })

  it('agrees with the thorough walk on every single-member change', () => {
    let valid = 0
    let invalid = 0
    for (const base of [minimalEvent(), fullEvent()]) {
      for (const path of PATHS) {
        const changes: Mutation[] = [
          { path, remove: true },
          ...PROBES.map((_, probe) => ({ path, probe })),
        ]
        for (const change of changes) {
          if (expectSameVerdict(mutate(base, [change]))) valid++
          else invalid++
        }
      }
    }
    // The probes reach both verdicts often: the agreement is not a vacuous one.
    expect(valid).toBeGreaterThan(100)
    expect(invalid).toBeGreaterThan(1000)
  })

  it('agrees with the thorough walk on events with several random changes', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(mutationArb, { minLength: 1, maxLength: 4 }),
        (full, mutations) => {
          expectSameVerdict(mutate(full ? fullEvent() : minimalEvent(), mutations))
        },
      ),
      { numRuns: 3000 },
    )
  })

  it('agrees with the thorough walk on random data and random strings', () => {
    const text = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.string({ unit: 'grapheme' }),
    )
    fc.assert(
      fc.property(
        fc.option(fc.jsonValue(), { nil: undefined }),
        fc.constantFrom(
          'actor.id',
          'actor.name',
          'target.id',
          'source.user_agent',
          'request_id',
          'data.s',
        ),
        text,
        (data, path, value) => {
          const event = mutate(fullEvent(), []) as Record<string, unknown>
          if (data !== undefined) event.data = { value: data }
          const [parent, key] = path.split('.') as [string, string | undefined]
          if (key === undefined) event[parent] = value
          else (event[parent] as Record<string, unknown>)[key] = value
          expectSameVerdict(event)
        },
      ),
      { numRuns: 2000 },
    )
  })

  it('agrees on what JSON can carry inside arrays, also taking the input as JSON.parse output', () => {
    const nested = (depth: number): unknown => (depth === 0 ? 'x' : [nested(depth - 1)])
    const cases: [unknown, boolean][] = [
      [[1, 'two', [true, null, { three: 3 }]], true],
      [['\ud800'], false],
      [[{ '\udc00': 1 }], false],
      [Object.setPrototypeOf([1], { toJSON: () => 'x'.repeat(100_000) }), false],
      [nested(MAX_DATA_DEPTH - 2), true],
      [nested(MAX_DATA_DEPTH), false],
    ]
    for (const [list, valid] of cases) {
      const event = { ...fullEvent(), data: { list } }
      expect(expectSameVerdict(event), show(event)).toBe(valid)
      // Even taken for JSON.parse output, an array that is not a plain one is refused.
      expect(isValidEvent(event, false, true), show(event)).toBe(valid)
    }
  })

  it('agrees at the size limit of the whole event, in 1- to 4-byte characters', () => {
    // Envelope strings of up to 1024 code points in 4-byte characters, and a large data,
    // around MAX_EVENT_BYTES in total.
    for (const pad of [-1, 0, 1]) {
      const event = fullEvent() as unknown as Record<string, unknown>
      event.actor = { type: 'user', id: '😀'.repeat(1024), name: '😀'.repeat(1024) }
      event.target = { type: '😀'.repeat(1024), id: '😀'.repeat(1024), name: '😀'.repeat(1024) }
      event.source = { ip: '::1', user_agent: '😀'.repeat(1024) }
      event.request_id = '😀'.repeat(1024)
      event.error = { code: '😀'.repeat(1024), message: '😀'.repeat(1024) }
      event.data = { b: '' }
      const size = new TextEncoder().encode(JSON.stringify(event)).length
      const room = MAX_EVENT_BYTES - size + pad
      event.data = { b: 'x'.repeat(Math.min(room, MAX_DATA_BYTES - 8)) }
      const total = new TextEncoder().encode(JSON.stringify(event)).length
      expect(expectSameVerdict(event)).toBe(total <= MAX_EVENT_BYTES)
    }
  })
})

describe('the size bound of the fast path', () => {
  const utf8Length = (event: unknown) => new TextEncoder().encode(JSON.stringify(event)).length
  // Strings of every kind of UTF-16 unit (ASCII, escaped controls, quotes and backslashes,
  // two- and three-byte characters, surrogate pairs), long enough and in values numerous enough
  // that the bound has little slack left from the envelope: a bound of 3 bytes per unit or 4
  // per value fails this.
  const unit = fc.constantFrom('\u0001', '"', '\\', '\n', 'é', '€', '😀', '\u2028', 'a')
  const text = fc.oneof(
    fc.string({ maxLength: 400 }),
    fc.string({ unit: 'binary', maxLength: 400 }),
    fc.string({ unit, maxLength: 400 }),
  )
  const number = fc.oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    // Among the longest texts JSON.stringify writes for a number (24 and 25 characters).
    fc.constantFrom(-Number.MAX_VALUE, -Number.MIN_VALUE * 3 ** 33, -(792 / 7919) * 1e-5),
  )
  const json = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      text,
      number,
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('value'), { maxLength: 40 }),
      fc.dictionary(text, tie('value'), { maxKeys: 8 }),
    ),
  })).value

  it('is never below the UTF-8 length of the JSON text of a valid event', () => {
    let checked = 0
    fc.assert(
      fc.property(json, text, (data, name) => {
        const event = minimalEvent() as unknown as Record<string, unknown>
        event.data = { [name]: data }
        const bound = eventSizeBound(event)
        if (bound === undefined) return // not valid (a lone surrogate, say)
        checked++
        expect(bound).toBeGreaterThanOrEqual(utf8Length(event))
        // The same event as a request body's JSON.parse makes it, walked as the server does.
        const parsed: unknown = JSON.parse(JSON.stringify(event))
        expect(eventSizeBound(parsed, true)).toBe(bound)
      }),
      { numRuns: 2000 },
    )
    expect(checked).toBeGreaterThan(1000)
  })

  it('leaves an event it cannot settle to the exact measure, which agrees with the thorough walk', () => {
    // Short in bytes but long in the bound, and long in both, with escapes that take 6 bytes.
    for (const data of [
      { s: 'x'.repeat(6_000) },
      { s: '\u0001'.repeat(5_460) },
      { s: '\u0001'.repeat(5_470) },
      { list: Array.from({ length: 1_100 }, () => -(792 / 7919) * 1e-5) },
    ]) {
      const event = { ...fullEvent(), data } as unknown as Record<string, unknown>
      const bound = eventSizeBound(event) ?? 0
      expect(bound).toBeGreaterThan(MAX_DATA_BYTES)
      expect(expectSameVerdict(event)).toBe(utf8Length(data) <= MAX_DATA_BYTES)
    }
  })
})

// The old, regular-expression versions of two checks made faster for the fast path.
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.\d{3}Z$/
function referenceTimestamp(value: string): boolean {
  const match = TIMESTAMP.exec(value)
  if (match === null) return false
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as number[] as [
    number,
    number,
    number,
    number,
    number,
    number,
  ]
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
  const days = month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31
  return (
    year >= 1 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= days &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59
  )
}
const OCTET = /^(0|[1-9][0-9]{0,2})$/
function referenceIpv4(value: string): boolean {
  const octets = value.split('.')
  return octets.length === 4 && octets.every((o) => OCTET.test(o) && Number(o) <= 255)
}

/** `text` with one character replaced, inserted or removed. */
const edited = (base: string) =>
  fc
    .record({
      at: fc.nat({ max: base.length }),
      op: fc.constantFrom('replace', 'insert', 'remove'),
      char: fc.constantFrom(...'0123456789-:.TZ x/٣'.split('')),
    })
    .map(({ at, op, char }) =>
      op === 'remove'
        ? base.slice(0, at) + base.slice(at + 1)
        : base.slice(0, at) + char + base.slice(op === 'replace' ? at + 1 : at),
    )

describe('the character-by-character checks', () => {
  it('isEventTimestamp accepts exactly what the regular expression and calendar did', () => {
    const times = fc.oneof(
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      fc.string(),
      edited('2024-02-29T23:59:59.999Z'),
      edited('2023-02-28T00:00:00.000Z'),
      edited('0001-01-01T00:00:00.000Z'),
      fc
        .tuple(
          fc.integer({ min: 0, max: 9999 }),
          fc.integer({ min: 0, max: 13 }),
          fc.integer({ min: 0, max: 32 }),
          fc.integer({ min: 0, max: 25 }),
          fc.integer({ min: 0, max: 61 }),
          fc.integer({ min: 0, max: 61 }),
        )
        .map(
          ([y, mo, d, h, mi, se]) =>
            `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:${String(mi).padStart(2, '0')}:${String(se).padStart(2, '0')}.000Z`,
        ),
    )
    fc.assert(
      fc.property(times, (value) => {
        expect(isEventTimestamp(value), value).toBe(referenceTimestamp(value))
      }),
      { numRuns: 5000 },
    )
  })

  it('isIpv4 accepts exactly what splitting and the octet pattern did', () => {
    const octet = fc.oneof(
      fc.integer({ min: 0, max: 300 }).map(String),
      fc.constantFrom('', '00', '01', '0x1', '1e2', ' 1', '٣'),
    )
    const addresses = fc.oneof(
      fc.array(octet, { minLength: 1, maxLength: 6 }).map((parts) => parts.join('.')),
      edited('192.168.100.255'),
      fc.string(),
    )
    fc.assert(
      fc.property(addresses, (value) => {
        expect(isIpv4(value), value).toBe(referenceIpv4(value))
      }),
      { numRuns: 5000 },
    )
  })
})
