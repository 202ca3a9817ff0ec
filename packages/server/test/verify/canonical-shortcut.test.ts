// The verifier's shortcut for "is this text its own RFC 8785 form?" must agree with the
// canonicalize package on every value, including the ones the shortcut hands back to it.

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { AuditEvent } from '@auditseal/core'
import { canonicalJson } from '@auditseal/core'
import { isCanonicalText } from '../../src/verify/event-check.js'

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Plain JSON values as JSON.parse makes them: finite numbers, well-formed strings. */
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.string({ unit: 'grapheme' }),
    fc.string({ unit: 'binary' }).filter((s) => !LONE_SURROGATE.test(s)),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(
      fc.oneof(fc.string(), fc.constantFrom('0', '1', '10', '9', 'a', 'B', 'é', '\u{1F600}')),
      tie('value'),
      {
        maxKeys: 5,
      },
    ),
  ),
})).value

/** Texts that may or may not be canonical: re-parsed serializations with members shuffled. */
function texts(value: unknown): string[] {
  const parsed = JSON.parse(JSON.stringify(value)) as unknown
  return [
    JSON.stringify(parsed),
    canonicalJson(parsed as AuditEvent),
    JSON.stringify(parsed, null, 1),
  ]
}

describe('isCanonicalText', () => {
  it('agrees with canonicalJson(value) === text for any JSON value and text', () => {
    fc.assert(
      fc.property(json, (value) => {
        const parsed = JSON.parse(JSON.stringify(value)) as AuditEvent
        for (const text of texts(value)) {
          expect(isCanonicalText(parsed, text)).toBe(canonicalJson(parsed) === text)
        }
      }),
      { numRuns: 2000 },
    )
  })

  it('hands integer-like member names, which JavaScript orders first, to canonicalize', () => {
    const text = '{"10":1,"9":2,"a":3}'
    const parsed = JSON.parse(text) as AuditEvent
    expect(JSON.stringify(parsed)).toBe('{"9":2,"10":1,"a":3}') // not the text…
    expect(isCanonicalText(parsed, text)).toBe(true) // …yet canonical
  })

  it('rejects unsorted members, whitespace and non-shortest numbers', () => {
    for (const text of ['{"b":1,"a":2}', '{"a": 1}', '{"a":1.0}', '{"a":1e2}', '{"a":"\\u0041"}']) {
      expect(isCanonicalText(JSON.parse(text) as AuditEvent, text)).toBe(false)
    }
  })
})
