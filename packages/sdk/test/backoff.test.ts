import { describe, expect, it } from 'vitest'
import { backoffDelay, DEFAULT_BACKOFF, parseRetryAfter } from '../src/sender/backoff.js'

const options = { initialDelayMs: 100, maxDelayMs: 10_000, maxRetryAfterMs: 60_000 }

describe('backoff with full jitter', () => {
  it('draws uniformly below an exponential bound capped at maxDelayMs', () => {
    expect(backoffDelay(0, options, undefined, () => 0.999)).toBe(99)
    expect(backoffDelay(3, options, undefined, () => 0.5)).toBe(400)
    expect(backoffDelay(20, options, undefined, () => 0.999)).toBe(9990)
    expect(backoffDelay(5000, options, undefined, () => 0.999)).toBe(9990) // no overflow to Infinity
    expect(backoffDelay(3, options, undefined, () => 0)).toBe(0)
  })

  it('spreads retries: many clients do not come back in lockstep', () => {
    const delays = new Set(Array.from({ length: 100 }, () => backoffDelay(6, options)))
    expect(delays.size).toBeGreaterThan(50)
    for (const delay of delays) expect(delay).toBeLessThan(6400)
  })

  it('waits at least what Retry-After asks, up to maxRetryAfterMs', () => {
    expect(backoffDelay(0, options, 5_000, () => 0.5)).toBe(5_000)
    expect(backoffDelay(10, options, 1_000, () => 0.9)).toBe(9_000) // the jitter was longer
    expect(backoffDelay(0, options, 3_600_000, () => 0)).toBe(60_000)
    expect(DEFAULT_BACKOFF.maxRetryAfterMs).toBe(300_000)
  })
})

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('7')).toBe(7_000)
    expect(parseRetryAfter(' 0 ')).toBe(0)
    const now = Date.parse('2026-01-01T00:00:00Z')
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000)
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0) // in the past
  })

  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(undefined)).toBeUndefined()
    expect(parseRetryAfter('soon')).toBeUndefined()
    expect(parseRetryAfter('-5')).toBeUndefined()
  })
})
