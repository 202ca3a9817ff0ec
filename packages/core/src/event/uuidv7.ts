import { AuditsealError } from '../errors.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
// Version nibble 7 (RFC 9562 §5.7) and variant 10xx (§4.1): the 13th hex digit, then 8/9/a/b.
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

/** A lowercase UUID of any version or variant, including the nil and max UUIDs. */
export function isUuid(value: string): boolean {
  return UUID.test(value)
}

/** A lowercase UUID with version 7 and the RFC 9562 variant. */
export function isUuidV7(value: string): boolean {
  return UUID_V7.test(value)
}

/** The Unix milliseconds in a UUIDv7's first 48 bits. Requires isUuidV7(id). */
export function uuidv7Timestamp(id: string): number {
  if (!isUuidV7(id)) throw new AuditsealError('INVALID_ARGUMENT', `not a UUIDv7: ${id}`)
  // 12 hex digits = 48 bits, exact in a double.
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16)
}

export interface UuidV7Options {
  /** Unix milliseconds to stamp; an integer in [0, 2^48). Defaults to Date.now(). */
  now?: number
  /**
   * Fills its argument with random bytes (the same array each call of one generator: keep no
   * reference to it). Defaults to crypto.getRandomValues.
   */
  random?: (bytes: Uint8Array<ArrayBuffer>) => void
}

export type UuidV7Generator = (options?: UuidV7Options) => string

const MAX_TIMESTAMP = 2 ** 48
// 42 bits: the 12 bits of rand_a, then the top 30 of rand_b's 62. The last 32 stay random.
const COUNTER_LIMIT = 2 ** 42
// A clock that steps back by more than this is taken as reset, not as jitter (see below).
const ROLLBACK_TOLERANCE_MS = 10_000

// Entropy is drawn from the system a few kilobytes at a time and handed out in order: one
// getRandomValues call cost ~1.9 µs, most of an id (2.2 µs with it, 0.3 µs from the pool), and
// every logged event gets an id. Each byte is handed out once. (Node's randomUUID caches
// entropy the same way.) globalThis.crypto exists in browsers and in Node 20+.
const ENTROPY = new Uint8Array(4096)
let entropyAt = ENTROPY.length

const defaultRandom = (bytes: Uint8Array<ArrayBuffer>): void => {
  const n = bytes.length
  if (n > ENTROPY.length) {
    crypto.getRandomValues(bytes)
    return
  }
  if (entropyAt + n > ENTROPY.length) {
    crypto.getRandomValues(ENTROPY)
    entropyAt = 0
  }
  // A loop, not set(subarray(...)): the view a subarray makes costs more than ten copies.
  for (let i = 0; i < n; i++) bytes[i] = ENTROPY[entropyAt + i] as number
  entropyAt += n
}

/**
 * A generator of UUIDv7 (RFC 9562 §5.7) whose ids sort in generation order, also within one
 * millisecond: RFC 9562 §6.2 Method 1, a fixed-length dedicated counter of 42 bits
 * (rand_a and the top 30 bits of rand_b), then 32 random bits.
 *
 * - In a new millisecond the counter is seeded with 41 random bits: the leftmost counter bit
 *   is zero so at least 2^41 more ids fit in that millisecond (§6.2 "counter rollover guard").
 * - In the same millisecond the counter is incremented; if it would overflow, the timestamp
 *   moves one millisecond ahead of the clock and the counter is reseeded (§6.2 "rollover
 *   handling"), so ordering still holds.
 * - If the clock steps back by up to 10 s (NTP slew, a `now` from another clock), the
 *   previous timestamp is reused and ordering still holds; a larger step back is taken as
 *   a clock reset and the generator follows the clock.
 *
 * The random tail keeps ids from different generators (processes, tabs) unguessable and
 * collision-free in practice; only ids from one generator are ordered.
 */
export function createUuidV7Generator(): UuidV7Generator {
  let lastMs = -1
  let counter = 0
  const random = new Uint8Array(10)

  return (options = {}) => {
    const now = options.now ?? Date.now()
    if (!Number.isSafeInteger(now) || now < 0 || now >= MAX_TIMESTAMP) {
      throw new AuditsealError('INVALID_ARGUMENT', `uuidv7: now must be an integer in [0, 2^48)`)
    }
    ;(options.random ?? defaultRandom)(random)

    if (now > lastMs || now < lastMs - ROLLBACK_TOLERANCE_MS) {
      lastMs = now
      counter = seedCounter(random)
    } else {
      counter++
      if (counter >= COUNTER_LIMIT) {
        lastMs++
        if (lastMs >= MAX_TIMESTAMP) {
          throw new AuditsealError('INVALID_ARGUMENT', 'uuidv7: timestamp overflow')
        }
        counter = seedCounter(random)
      }
    }
    return format(lastMs, counter, random)
  }
}

/** 41 random bits from random[0..6): a counter whose top (42nd) bit is zero. */
function seedCounter(random: Uint8Array): number {
  let value = (random[0] as number) & 0x01
  for (let i = 1; i < 6; i++) value = value * 256 + (random[i] as number)
  return value
}

/** Character codes of the lowercase hex digits. */
const HEX_DIGITS = Array.from('0123456789abcdef', (digit) => digit.charCodeAt(0))
const DASH = 0x2d
/** The id's 16 bytes, and its 36 character codes: reused, so an id allocates only its string. */
const BYTES = new Uint8Array(16)
const CODES: number[] = new Array<number>(36).fill(0)

/**
 * Lays out unix_ts_ms(48) ‖ ver(4) ‖ counter(42, split by the variant) ‖ random(32) as
 * 8-4-4-4-12 lowercase hex digits. Every logged event gets an id: going through a hex string
 * and slices of it allocated a dozen objects per id, this makes one string.
 */
function format(ms: number, counter: number, random: Uint8Array): string {
  const bytes = BYTES
  // Arithmetic rather than shifts: JavaScript's bit operators are 32-bit.
  let t = ms
  for (let i = 5; i >= 0; i--) {
    bytes[i] = t % 256
    t = Math.floor(t / 256)
  }
  const high12 = Math.floor(counter / 2 ** 30)
  const low30 = counter % 2 ** 30
  bytes[6] = 0x70 | (high12 >>> 8)
  bytes[7] = high12 & 0xff
  bytes[8] = 0x80 | (low30 >>> 24)
  bytes[9] = (low30 >>> 16) & 0xff
  bytes[10] = (low30 >>> 8) & 0xff
  bytes[11] = low30 & 0xff
  for (let i = 12; i < 16; i++) bytes[i] = random[i - 6] as number // the last 4 random bytes
  let at = 0
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) CODES[at++] = DASH
    const byte = bytes[i] as number
    CODES[at++] = HEX_DIGITS[byte >>> 4] as number
    CODES[at++] = HEX_DIGITS[byte & 0x0f] as number
  }
  return String.fromCharCode.apply(null, CODES)
}

/**
 * A new UUIDv7 from the module's shared generator, so ids made by one JavaScript realm are
 * ordered. Use createUuidV7Generator() for an independent sequence (e.g. in tests).
 */
export const uuidv7: UuidV7Generator = createUuidV7Generator()
