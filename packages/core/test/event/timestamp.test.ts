import { describe, expect, it } from 'vitest'
import { formatEventTimestamp, isEventTimestamp } from '@auditseal/core'

describe('formatEventTimestamp', () => {
  it('writes the one accepted spelling of a Unix time in milliseconds', () => {
    expect(formatEventTimestamp(0)).toBe('1970-01-01T00:00:00.000Z')
    expect(formatEventTimestamp(1_718_181_000_123)).toBe('2024-06-12T08:30:00.123Z')
    expect(isEventTimestamp(formatEventTimestamp(Date.now()))).toBe(true)
  })

  it('refuses times whose year has more than four digits', () => {
    expect(() => formatEventTimestamp(253_402_300_800_000)).toThrow(RangeError) // year 10000
    expect(() => formatEventTimestamp(-62_167_219_200_001)).toThrow(RangeError) // year -1
  })
})
