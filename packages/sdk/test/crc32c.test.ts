import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { crc32c } from '../src/spool/crc32c.js'

/** Bit by bit, straight from the definition: the reference the table version must match. */
function reference(bytes: Uint8Array): number {
  let crc = 0xffffffff
  for (const byte of bytes) {
    crc ^= byte
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1
  }
  return (crc ^ 0xffffffff) >>> 0
}

describe('crc32c', () => {
  it('matches the published check values', () => {
    // RFC 3720 §B.4 and the CRC catalogue's CRC-32/ISCSI check value.
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283)
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa)
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43)
    expect(crc32c(new Uint8Array(0))).toBe(0)
  })

  it('agrees with the bitwise definition at every length and alignment', () => {
    const bytes = randomBytes(300)
    for (let start = 0; start < 5; start++) {
      for (let end = start; end <= 300; end += 7) {
        expect(crc32c(bytes, start, end)).toBe(reference(bytes.subarray(start, end)))
      }
    }
  })

  it('continues a checksum across pieces', () => {
    const bytes = randomBytes(1000)
    const whole = crc32c(bytes)
    expect(crc32c(bytes, 333, 1000, crc32c(bytes, 0, 333))).toBe(whole)
  })
})
