// The hand-written RFC 8785 serializer against the `canonicalize` package (a port of the
// RFC's reference implementation): the same text for every JSON value, the same refusals.
import canonicalize from 'canonicalize'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AuditsealError, canonicalJson } from '@auditseal/core'
import type { AuditEvent } from '@auditseal/core'
import { jcs } from '../../src/event/jcs.js'
import { fullEvent } from './fixtures.js'

const reference = (value: unknown) => canonicalize(value)

/** Member names that stress the order: integer-like (JavaScript enumerates those first), astral, empty, escapes. */
const trickyName = fc.constantFrom(
  '',
  '1',
  '10',
  '9',
  '-1',
  '01',
  'a',
  'A',
  '\u20ac',
  '\ud83d\ude00',
  '\ufb33',
  '"',
  '\\',
  '\n',
  '\u0000',
  '\u007f',
)
const trickyNumber = fc.constantFrom(
  0,
  -0,
  1e21,
  1e-7,
  5e-324,
  -1.7976931348623157e308,
  333333333.3333333,
  2 ** 53,
  0.1 + 0.2,
)

const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    trickyNumber,
    fc.string({ unit: 'grapheme' }),
    fc.string({ unit: 'binary' }),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.oneof(trickyName, fc.string({ unit: 'binary' })), tie('value'), {
      maxKeys: 6,
    }),
  ),
})).value

describe('jcs', () => {
  it('writes exactly what the canonicalize package writes, for any JSON value', () => {
    fc.assert(
      fc.property(jsonValue, (value) => {
        expect(jcs(value)).toBe(reference(value))
      }),
      { numRuns: 3000 },
    )
  })

  it('omits undefined members, writes null for undefined array items, honours toJSON', () => {
    const value = {
      b: undefined,
      a: [undefined, 2],
      when: new Date(Date.UTC(2026, 10, 30)),
      z: { toJSON: () => ({ y: 1, x: 2 }) },
    }
    expect(jcs(value)).toBe(reference(value))
    expect(jcs(value)).toBe('{"a":[null,2],"when":"2026-11-30T00:00:00.000Z","z":{"x":2,"y":1}}')
  })

  it('writes null for a function in an array, as JSON.stringify does (the package writes invalid JSON there)', () => {
    expect(jcs([1, () => 1])).toBe(JSON.stringify([1, () => 1]))
  })

  it('canonicalJson (the sealing shortcut) writes what the package writes, for any event shape', () => {
    const party = fc.record(
      { type: fc.string(), id: fc.string(), name: fc.string() },
      { requiredKeys: ['type', 'id'] },
    )
    const event = fc.record(
      {
        v: fc.oneof(fc.constant(1), fc.constant(2), fc.double()),
        id: fc.string({ unit: 'binary' }),
        tenant_id: fc.string(),
        type: fc.string(),
        outcome: fc.constantFrom('success', 'failure'),
        occurred_at: fc.string(),
        recorded_at: fc.string(),
        actor: fc.oneof(party, jsonValue),
        target: party,
        source: fc.record(
          { ip: fc.string(), user_agent: fc.string({ unit: 'binary' }) },
          { requiredKeys: [] },
        ),
        request_id: fc.string(),
        error: fc.record(
          { code: fc.string(), message: fc.string() },
          { requiredKeys: ['message'] },
        ),
        data: jsonValue,
      },
      { requiredKeys: ['v', 'id', 'type', 'actor'] },
    )
    fc.assert(
      fc.property(
        event,
        fc.option(fc.tuple(trickyName, jsonValue)),
        // The sealer passes recorded_at apart from the event, whether or not it has one.
        fc.option(fc.string({ unit: 'binary' })),
        (value, extra, recordedAt) => {
          const candidate: Record<string, unknown> = { ...value }
          if (extra) candidate[extra[0]] = extra[1]
          const sealed = recordedAt === null ? candidate : { ...candidate, recorded_at: recordedAt }
          let expected: string | Error
          try {
            expected = reference(sealed) as string
          } catch (error) {
            expected = error as Error
          }
          const actual = () =>
            canonicalJson(candidate as unknown as AuditEvent, recordedAt ?? undefined)
          if (expected instanceof Error) expect(actual).toThrow(AuditsealError)
          else expect(actual()).toBe(expected)
        },
      ),
      { numRuns: 3000 },
    )
  })

  it('canonicalJson of what is not an event object is still the package text', () => {
    for (const value of [[], [1, 'a'], 'text', 7, null, new Date(0), { toJSON: () => [2, 1] }]) {
      expect(canonicalJson(value as unknown as AuditEvent)).toBe(reference(value))
    }
  })

  it('agrees with the package on a full event', () => {
    const event = fullEvent() as AuditEvent
    expect(canonicalJson(event)).toBe(reference(event))
  })

  it.each([
    ['NaN', { n: Number.NaN }],
    ['Infinity', [Number.POSITIVE_INFINITY]],
    ['-Infinity', { n: Number.NEGATIVE_INFINITY }],
    ['a lone high surrogate', { s: 'a\ud800b' }],
    ['a lone low surrogate', ['\udc00']],
    ['a lone surrogate in a member name', { '\ud83d': 1 }],
    ['a reversed pair', { s: '\ude00\ud83d' }],
  ])('refuses %s, as the package does', (_, value) => {
    expect(() => reference(value)).toThrow()
    expect(() => jcs(value)).toThrow(AuditsealError)
    expect(() => jcs(value)).toThrow(/cannot canonicalize/)
  })

  it('refuses a cycle and BigInt instead of overflowing the stack', () => {
    const cycle: Record<string, unknown> = { a: 1 }
    cycle.self = cycle
    expect(() => jcs(cycle)).toThrow(/cannot canonicalize/)
    expect(() => jcs({ n: 10n })).toThrow(/BigInt/)
  })

  it('refuses what has no JSON form at the top', () => {
    expect(() => jcs(undefined)).toThrow(/not a JSON value/)
    expect(() => jcs(() => 1)).toThrow(/not a JSON value/)
  })

  it('accepts well-formed surrogate pairs', () => {
    const value = { '\ud83d\ude00': 'x\ud83d\ude00y' }
    expect(jcs(value)).toBe(reference(value))
  })
})
