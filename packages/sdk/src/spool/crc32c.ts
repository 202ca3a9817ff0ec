// CRC-32C (Castagnoli; RFC 3720 §B.4), the checksum of every spool record. Castagnoli rather
// than the zlib polynomial because it detects more error patterns at record sizes, and it is
// what other write-ahead logs (LevelDB, RocksDB, Kafka) use. Slicing-by-8: eight
// independent table lookups per eight bytes, about twice the speed of slicing-by-4.

/** 0x1EDC6F41 bit-reversed, for the LSB-first (reflected) algorithm. */
const POLYNOMIAL = 0x82f63b78

const TABLES = makeTables()

/**
 * CRC-32C of bytes[start, end), continuing from `crc` (the result of a previous call over the
 * bytes just before; 0 to start fresh).
 */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length, crc = 0): number {
  const t = TABLES
  let c = ~crc
  let i = start
  // Eight bytes at a time: the combined effect of each byte is precomputed in its own table
  // (t[k * 256 + n] is the CRC of byte n followed by k zero bytes), so the eight lookups are
  // independent of each other and the CPU overlaps them.
  for (; i + 8 <= end; i += 8) {
    c ^=
      (bytes[i] as number) |
      ((bytes[i + 1] as number) << 8) |
      ((bytes[i + 2] as number) << 16) |
      ((bytes[i + 3] as number) << 24)
    c =
      (t[1792 + (c & 0xff)] as number) ^
      (t[1536 + ((c >>> 8) & 0xff)] as number) ^
      (t[1280 + ((c >>> 16) & 0xff)] as number) ^
      (t[1024 + (c >>> 24)] as number) ^
      (t[768 + (bytes[i + 4] as number)] as number) ^
      (t[512 + (bytes[i + 5] as number)] as number) ^
      (t[256 + (bytes[i + 6] as number)] as number) ^
      (t[bytes[i + 7] as number] as number)
  }
  for (; i < end; i++) c = (t[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8)
  return ~c >>> 0
}

/** One table of 8 × 256 entries; its k-th 256 are the CRC of byte n followed by k zero bytes. */
function makeTables(): Int32Array {
  const t = new Int32Array(8 * 256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLYNOMIAL : c >>> 1
    t[n] = c
  }
  for (let k = 1; k < 8; k++) {
    for (let n = 0; n < 256; n++) {
      const p = t[(k - 1) * 256 + n] as number
      t[k * 256 + n] = (t[p & 0xff] as number) ^ (p >>> 8)
    }
  }
  return t
}
