// Numbers a body may hold only if a double carries them exactly (json-numbers.ts).

import { describe, expect, it } from 'vitest'
import { inexactNumber } from '../../src/http/json-numbers.js'

describe('inexactNumber', () => {
  it.each([
    ['18446744073709551616', 'a 64-bit integer beyond 2^53'],
    ['9007199254740993', '2^53 + 1'],
    ['-9007199254740993', 'its negative'],
    ['1e-400', 'an underflow to 0'],
    ['0.12345678901234567890', 'more digits than a double holds'],
    ['123456789012345678901234567890e-10', 'the same, with an exponent'],
  ])('finds %s (%s), in any place a value may be', (number) => {
    for (const text of [
      `{"n":${number}}`,
      `{"a":[1, ${number}]}`,
      `{"o":{"x":true,"n": ${number}}}`,
    ]) {
      expect(inexactNumber(text), text).toBe(number)
    }
  })

  it.each([
    '0',
    '-0',
    '0.1',
    '1.0',
    '1e2',
    '1E+2',
    '1.5e-7',
    '9007199254740992',
    '100000000000000000000',
    '-1.7976931348623157e308',
    '12345678.12345678',
  ])('passes %s, whose double has the value it says', (number) => {
    expect(inexactNumber(`{"n":${number}}`)).toBeUndefined()
  })

  it('leaves a number beyond a double’s range to the event validator (Infinity, named by path)', () => {
    expect(inexactNumber('{"n":1e400}')).toBeUndefined()
  })

  it('reads no string as a number, escaped quotes included', () => {
    expect(inexactNumber('{"s":"x, 18446744073709551616","t":"\\", 1e-400","n":5}')).toBeUndefined()
    expect(inexactNumber('{"s":"\\\\","n":18446744073709551616}')).toBe('18446744073709551616')
  })
})
