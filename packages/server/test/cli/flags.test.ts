// The shared flag parsers: what `--from` and `--to` accept, before any request is sent.

import { describe, expect, it } from 'vitest'
import { parseTimeFlag, parseTimeRange } from '../../src/cli/flags.js'

describe('parseTimeFlag', () => {
  it.each([
    '2024-03-07T10:00:00Z',
    '2024-03-07T10:00:00.5Z',
    '2024-03-07T10:00:00.123456789Z',
    '2024-03-07T11:00:00+01:00',
    '2024-03-07T05:30:00.250-04:30',
    '2024-02-29T23:59:59+15:59',
    '0001-01-01T00:00:00Z',
    '9999-12-31T23:59:59.999-15:59',
    '2024-03-07t10:00:00z',
    '2016-12-31T23:59:60Z',
    '2016-12-31T18:59:60.25-05:00',
  ])('accepts %s', (text) => {
    expect(parseTimeFlag(text, '--from')).toBe(text)
  })

  it.each([
    ['March 7 2024', 'a date Date.parse reads'],
    ['Thu, 07 Mar 2024 10:00:00 GMT', 'an RFC 7231 date'],
    ['2024-03-07', 'a date alone'],
    ['2024-03-07T10:00:00', 'no offset'],
    ['2024-03-07T10:00Z', 'no seconds'],
    ['2024-03-07 10:00:00Z', 'a space for T'],
    ['2024-03-07T10:00:00.Z', 'an empty fraction'],
    ['2024-03-07T10:00:00+0100', 'an offset without a colon'],
    ['2024-03-07T10:00:00+01', 'an offset without minutes'],
    ['2024-03-07T10:00:00+16:00', 'an offset PostgreSQL refuses'],
    ['2024-03-07T10:00:00-23:59', 'an offset PostgreSQL refuses'],
    ['2024-03-07T10:00:00-00:60', 'an offset minute of 60'],
    ['0000-01-01T00:00:00Z', 'year 0000'],
    ['+002024-03-07T10:00:00Z', 'an expanded year'],
    ['2023-02-29T00:00:00Z', 'February 29 of a common year'],
    ['2024-04-31T00:00:00Z', 'April 31'],
    ['2024-13-01T00:00:00Z', 'month 13'],
    ['2024-00-01T00:00:00Z', 'month 00'],
    ['2024-03-00T00:00:00Z', 'day 00'],
    ['2024-03-07T24:00:00Z', 'hour 24'],
    ['2024-03-07T10:60:00Z', 'minute 60'],
    ['2016-12-31T10:00:60Z', 'a leap second not at 23:59 UTC'],
    ['2016-12-31T23:59:60+01:00', 'a leap second at 22:59 UTC'],
    ['2016-12-31T24:00:60+00:01', 'a leap second at hour 24'],
    [`2024-03-07T10:00:00.${'0'.repeat(45)}Z`, 'more than 64 characters'],
    ['', 'nothing'],
  ])('refuses %j (%s), naming the flag and the form', (text) => {
    expect(() => parseTimeFlag(text, '--to')).toThrow(
      `--to: ${JSON.stringify(text)} is not an RFC 3339 date-time with an offset, ` +
        'e.g. 2024-03-07T10:00:00Z or 2024-03-07T11:00:00.5+01:00',
    )
  })
})

describe('parseTimeRange', () => {
  it('takes either bound alone, and --from at or before --to, comparing instants', () => {
    expect(() => parseTimeRange('2024-03-07T10:00:00Z', undefined)).not.toThrow()
    expect(() => parseTimeRange(undefined, '2024-03-07T10:00:00Z')).not.toThrow()
    expect(() => parseTimeRange('2024-03-07T11:00:00+01:00', '2024-03-07T10:00:00Z')).not.toThrow()
  })

  it('refuses --from after --to, as the API would', () => {
    expect(() => parseTimeRange('2024-03-07T10:00:00Z', '2024-03-07T10:00:00+01:00')).toThrow(
      '--from: "2024-03-07T10:00:00Z" is after --to "2024-03-07T10:00:00+01:00"',
    )
  })

  it('compares a leap second as the next minute’s first second', () => {
    expect(() => parseTimeRange('2016-12-31T23:59:60Z', '2000-01-01T00:00:00Z')).toThrow(
      /^--from: "2016-12-31T23:59:60Z" is after --to/,
    )
    expect(() => parseTimeRange('2016-12-31T23:59:60Z', '2017-01-01T00:00:00Z')).not.toThrow()
    expect(() => parseTimeRange('2017-01-01T00:00:00.5Z', '2016-12-31T23:59:60Z')).toThrow()
  })

  it('checks each bound', () => {
    expect(() => parseTimeRange('March 7 2024', undefined)).toThrow(/^--from: "March 7 2024"/)
    expect(() => parseTimeRange(undefined, '2024-03-07')).toThrow(/^--to: "2024-03-07"/)
  })
})
