import { describe, expect, it } from 'vitest'
import { TokenBuckets } from '../../src/gateway/token-buckets.js'

describe('TokenBuckets', () => {
  it('gives a new key its whole capacity, then refills at the given rate, never above capacity', () => {
    const buckets = new TokenBuckets({ capacity: 3, refillPerSecond: 2 })
    let taken = 0
    while (buckets.has('a', 0)) {
      buckets.take('a', 0)
      taken++
    }
    expect(taken).toBe(3)
    expect(buckets.has('a', 499)).toBe(false) // 0.998 of a token
    expect(buckets.has('a', 500)).toBe(true)
    buckets.take('a', 500)
    expect(buckets.has('a', 60_000)).toBe(true)
    for (let i = 0; i < 3; i++) buckets.take('a', 60_000)
    expect(buckets.has('a', 60_000)).toBe(false) // refilled to 3, not to 120
  })

  it('keeps keys apart', () => {
    const buckets = new TokenBuckets({ capacity: 1, refillPerSecond: 1 })
    buckets.take('a', 0)
    expect(buckets.has('a', 0)).toBe(false)
    expect(buckets.has('b', 0)).toBe(true)
  })

  it('forgets the least recently used key past maxKeys, so a flood of addresses stays bounded', () => {
    const buckets = new TokenBuckets({ capacity: 1, refillPerSecond: 0.001, maxKeys: 100 })
    buckets.take('first', 0)
    buckets.take('kept', 0)
    for (let i = 0; i < 1000; i++) {
      buckets.has('kept', i) // recently used: survives
      buckets.take(`ip-${i}`, i)
    }
    expect(buckets.size).toBe(100)
    expect(buckets.has('kept', 1000)).toBe(false) // still empty: it was remembered
    expect(buckets.has('first', 1000)).toBe(true) // forgotten, so full again
  })
})
