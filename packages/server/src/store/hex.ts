// Hashes that the sealer sends inside text arrays (the head's frontier) or beside them cross
// into SQL as hex text, decoded there; they come back as bytea.
export function hashToHex(hash: Uint8Array): string {
  return Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength).toString('hex')
}

/** bytea as returned by either engine (Buffer on node-postgres, Uint8Array on PGlite). */
export function asBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value
  throw new TypeError(`expected bytea, got ${typeof value}`)
}
