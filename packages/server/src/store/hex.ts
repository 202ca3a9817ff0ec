// Hashes cross into SQL as hex text and come back as bytea. Text arrays serialize the same
// way on node-postgres and PGlite, where bytea arrays do not.
export function hashToHex(hash: Uint8Array): string {
  return Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength).toString('hex')
}

/** bytea as returned by either engine (Buffer on node-postgres, Uint8Array on PGlite). */
export function asBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value
  throw new TypeError(`expected bytea, got ${typeof value}`)
}
