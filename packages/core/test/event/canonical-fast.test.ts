// The shortcut must serve the events it exists for, not merely agree with the full serializer
// when it gives up (jcs.test.ts checks the agreement): a shortcut that always fell back would
// pass every other test and cost the sealer its speed.
import { describe, expect, it } from 'vitest'
import canonicalize from 'canonicalize'
import { envelopeJson } from '../../src/event/canonical-fast.js'
import { fullEvent, minimalEvent, withMembers } from './fixtures.js'

const RECORDED_AT = '2024-06-12T08:30:01.000Z'

describe('envelopeJson', () => {
  it.each([
    ['a minimal event', minimalEvent()],
    ['a full event', fullEvent()],
    [
      'data with unsorted and nested members',
      withMembers(fullEvent(), { data: { z: [{ b: 1, a: -0 }], a: 'é' } }),
    ],
    ['strings that need escapes', withMembers(minimalEvent(), { type: 'a"b\\c\n😀' })],
    [
      'data in order but for a late member, and a reordered object after ordered ones',
      withMembers(fullEvent(), { data: { a: 1, b: { x: 1 }, c: { y: [{ b: 2, a: 1 }] }, d: 2 } }),
    ],
    [
      'data out of order at its last member',
      withMembers(fullEvent(), { data: { b: 1, c: 2, a: 3 } }),
    ],
    ['a backslash and u that is no escape', withMembers(minimalEvent(), { type: 'C:\\users' })],
  ])('writes the canonical text of %s', (_, event) => {
    expect(envelopeJson(event as object)).toBe(canonicalize(event))
    expect(envelopeJson(event as object, RECORDED_AT)).toBe(
      canonicalize({ ...(event as object), recorded_at: RECORDED_AT }),
    )
  })

  it.each([
    ['an unknown member', withMembers(minimalEvent(), { extra: 1 })],
    ['a member set to undefined', withMembers(minimalEvent(), { target: undefined })],
    ['another version', withMembers(minimalEvent(), { v: 2 })],
    ['a number where a string belongs', withMembers(minimalEvent(), { type: 7 })],
    [
      'an unknown member of actor',
      withMembers(minimalEvent(), { actor: { type: 'user', id: 'u', x: 'y' } }),
    ],
    ['an integer-like name in data', withMembers(minimalEvent(), { data: { 1: 'one' } })],
    ['a toJSON method in data', withMembers(minimalEvent(), { data: { when: new Date(0) } })],
    ['a lone surrogate', withMembers(minimalEvent(), { data: { s: '\ud800' } })],
    ['a lone low surrogate in type', withMembers(minimalEvent(), { type: 'x\udc00' })],
    ['NaN in data', withMembers(minimalEvent(), { data: { n: Number.NaN } })],
    // A copy would lose it: assigning __proto__ sets the prototype instead of adding a member.
    [
      'a __proto__ member in data (as JSON.parse makes it)',
      withMembers(minimalEvent(), { data: JSON.parse('{"z":1,"__proto__":{"b":1,"a":2}}') }),
    ],
    ['a boxed number in data', withMembers(minimalEvent(), { data: { n: new Number(5) } })],
    // Found only after the walk has left the common case for a copy: the copy must give up too.
    [
      'a __proto__ member after members out of order',
      withMembers(minimalEvent(), { data: JSON.parse('{"b":1,"a":2,"__proto__":{"x":1}}') }),
    ],
    [
      'NaN after members out of order',
      withMembers(minimalEvent(), { data: { b: 1, a: 2, c: NaN } }),
    ],
    [
      'an array with its own toJSON',
      withMembers(minimalEvent(), { data: { a: Object.assign([1], { toJSON: () => 2 }) } }),
    ],
    [
      'a class instance as actor',
      withMembers(minimalEvent(), {
        actor: new (class Party {
          type = 'user'
          id = 'u'
        })(),
      }),
    ],
    [
      'an event with an inherited member',
      (() => {
        // `type` comes from the prototype; an own member set to undefined makes up the count.
        const { type, ...own } = minimalEvent()
        return Object.assign(Object.create({ type }) as object, { ...own, extra: undefined })
      })(),
    ],
  ])('leaves %s to the full serializer', (_, event) => {
    expect(envelopeJson(event as object)).toBeUndefined()
  })

  it('leaves every such event to a serializer that writes what canonicalize writes', async () => {
    const { canonicalJson } = await import('../../src/event/canonical.js')
    const data = JSON.parse('{"z":1,"__proto__":{"b":1,"a":2}}') as object
    const event = withMembers(minimalEvent(), { data }) as Parameters<typeof canonicalJson>[0]
    expect(canonicalJson(event)).toBe(canonicalize(event))
    expect(canonicalJson(event)).toContain('"data":{"__proto__":{"a":2,"b":1},"z":1}')
  })

  it('reads each member once, so a getter cannot answer the copy differently', () => {
    let reads = 0
    const data = {
      get a() {
        reads++
        return reads === 1 ? 1 : { y: 1, x: 2 }
      },
      c: 1,
      b: 2,
    }
    const text = envelopeJson(withMembers(minimalEvent(), { data }) as object)
    expect(reads).toBe(1)
    expect(text).toContain('"data":{"a":1,"b":2,"c":1}')
  })

  it('keeps its place when a getter canonicalizes another event mid-walk', () => {
    const other = withMembers(minimalEvent(), { data: { y: 1, x: { b: 1, a: 2 } } })
    const data = {
      a: 1,
      get b() {
        envelopeJson(other as object)
        return 2
      },
      d: 4,
      c: 3,
    }
    const text = envelopeJson(withMembers(minimalEvent(), { data }) as object)
    expect(text).toContain('"data":{"a":1,"b":2,"c":3,"d":4}')
  })

  it('is not thrown off by a getter that threw in an earlier walk', () => {
    const throwing = {
      a: 1,
      b: 2,
      get c(): number {
        throw new Error('no')
      },
    }
    expect(() => envelopeJson(withMembers(minimalEvent(), { data: throwing }) as object)).toThrow(
      'no',
    )
    const event = withMembers(minimalEvent(), { data: { b: 1, a: 2 } })
    expect(envelopeJson(event as object)).toBe(canonicalize(event))
  })

  it('reads each member of deeply nested, reordered data a bounded number of times', () => {
    // Every level out of order: a walk that started over at each level on finding a copy was
    // needed would read the innermost members 2^depth times.
    let reads = 0
    let data: Record<string, unknown> = { b: 1, a: 2 }
    for (let level = 0; level < 30; level++) {
      const inner = data
      // The nested member comes first, the disorder after it: a walk that read the members
      // before the disorder again would walk `inner` twice at every level.
      data = new Proxy(
        { a: inner, c: 1, b: 2 },
        {
          get(target, name, receiver) {
            reads++
            return Reflect.get(target, name, receiver) as unknown
          },
        },
      )
    }
    const event = withMembers(minimalEvent(), { data })
    const text = envelopeJson(event as object)
    expect(reads).toBeGreaterThan(30)
    expect(reads).toBeLessThan(30 * 8)
    expect(text).toBe(canonicalize(event))
  })
})
