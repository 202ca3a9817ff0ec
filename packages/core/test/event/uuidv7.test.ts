import { describe, expect, it } from 'vitest'
import {
  AuditsealError,
  createUuidV7Generator,
  isUuid,
  isUuidV7,
  uuidv7,
  uuidv7Timestamp,
} from '@auditseal/core'

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

/** A deterministic random source: every byte is `byte`. */
const fill = (byte: number) => (bytes: Uint8Array) => bytes.fill(byte)

describe('uuidv7', () => {
  it('has the RFC 9562 layout: lowercase, version 7, variant 10', () => {
    for (let i = 0; i < 100; i++) {
      const id = uuidv7()
      expect(id).toMatch(UUID_V7)
      expect(isUuidV7(id)).toBe(true)
      const bytes = Buffer.from(id.replaceAll('-', ''), 'hex')
      expect((bytes[6] as number) >> 4).toBe(7)
      expect((bytes[8] as number) >> 6).toBe(0b10)
    }
  })

  it('stamps the given millisecond in the first 48 bits, and reads it back', () => {
    const generate = createUuidV7Generator()
    for (const now of [0, 1, 1_718_181_000_123, 2 ** 40 + 5, 2 ** 48 - 1]) {
      const id = generate({ now })
      expect(uuidv7Timestamp(id)).toBe(now)
    }
    expect(createUuidV7Generator()({ now: 0x0190163d8694 }).slice(0, 13)).toBe('0190163d-8694')
  })

  it('stamps Date.now() by default', () => {
    const before = Date.now()
    const stamp = uuidv7Timestamp(createUuidV7Generator()())
    expect(stamp).toBeGreaterThanOrEqual(before)
    expect(stamp).toBeLessThanOrEqual(Date.now())
  })

  it('is monotonic within one millisecond, even when the random source repeats', () => {
    const generate = createUuidV7Generator()
    const ids = Array.from({ length: 1000 }, () =>
      generate({ now: 1_718_181_000_123, random: fill(0xff) }),
    )
    expect(new Set(ids).size).toBe(ids.length)
    expect([...ids].sort()).toEqual(ids)
    expect(ids.every((id) => uuidv7Timestamp(id) === 1_718_181_000_123)).toBe(true)
  })

  it('seeds the counter with its top bit clear, so the millisecond has room for 2^41 ids', () => {
    const id = createUuidV7Generator()({ now: 5, random: fill(0xff) })
    // rand_a (3 hex digits after the version) holds the counter's top 12 bits: 0x7ff.
    expect(id.slice(15, 18)).toBe('7ff')
  })

  it('keeps order when the clock steps back a little, and follows a clock reset', () => {
    const generate = createUuidV7Generator()
    const first = generate({ now: 100_000 })
    const afterSlew = generate({ now: 99_000 })
    expect(afterSlew > first).toBe(true)
    expect(uuidv7Timestamp(afterSlew)).toBe(100_000)
    const afterReset = generate({ now: 50_000 })
    expect(uuidv7Timestamp(afterReset)).toBe(50_000)
  })

  it('orders ids across milliseconds by time', () => {
    const generate = createUuidV7Generator()
    const a = generate({ now: 1000, random: fill(0xff) })
    const b = generate({ now: 1001, random: fill(0x00) })
    expect(a < b).toBe(true)
  })

  it('puts fresh randomness in the last 32 bits of each id', () => {
    const generate = createUuidV7Generator()
    let n = 0
    const counting = (bytes: Uint8Array) => bytes.fill(++n)
    const a = generate({ now: 7, random: counting })
    const b = generate({ now: 7, random: counting })
    expect(a.slice(-8)).toBe('01010101')
    expect(b.slice(-8)).toBe('02020202')
  })

  it('draws fresh system randomness for every id, across refills of its entropy pool', () => {
    const generate = createUuidV7Generator()
    // A new millisecond each time: 41 counter-seed bits and 32 tail bits, all random. 5,000
    // ids take 50,000 bytes, a dozen refills of the pool; a byte handed out twice, or a pool
    // read past its end, would repeat an id's random part.
    const randomParts = new Set<string>()
    for (let now = 1; now <= 5000; now++) {
      const hex = generate({ now }).replaceAll('-', '')
      randomParts.add(hex.slice(13, 16) + hex.slice(17))
    }
    expect(randomParts.size).toBe(5000)
  })

  it.each([-1, 1.5, 2 ** 48, NaN, Infinity])('rejects now = %s', (now) => {
    expect(() => createUuidV7Generator()({ now })).toThrow(AuditsealError)
  })
})

describe('isUuid and isUuidV7', () => {
  it('isUuid accepts lowercase UUIDs of any version, including nil and max', () => {
    expect(isUuid('00000000-0000-0000-0000-000000000000')).toBe(true)
    expect(isUuid('ffffffff-ffff-ffff-ffff-ffffffffffff')).toBe(true)
    expect(isUuid('6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(true)
    expect(isUuid('6BA7B810-9DAD-11D1-80B4-00C04FD430C8')).toBe(false)
    expect(isUuid('6ba7b8109dad11d180b400c04fd430c8')).toBe(false)
    expect(isUuid('6ba7b810-9dad-11d1-80b4-00c04fd430c8\n')).toBe(false)
  })

  it('isUuidV7 wants version 7 and variant 10xx', () => {
    expect(isUuidV7('0190163d-8694-739b-aea5-966c26f8ad91')).toBe(true)
    expect(isUuidV7('0190163d-8694-639b-aea5-966c26f8ad91')).toBe(false)
    expect(isUuidV7('0190163d-8694-739b-caa5-966c26f8ad91')).toBe(false)
    expect(isUuidV7('0190163d-8694-739b-7ea5-966c26f8ad91')).toBe(false)
    expect(isUuidV7('0190163D-8694-739B-AEA5-966C26F8AD91')).toBe(false)
  })

  it('uuidv7Timestamp refuses anything but a UUIDv7', () => {
    expect(() => uuidv7Timestamp('6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toThrow(
      'not a UUIDv7: 6ba7b810-9dad-11d1-80b4-00c04fd430c8',
    )
  })
})
