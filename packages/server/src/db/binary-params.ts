// Parameters node-postgres sends in PostgreSQL's binary format: it sends any Buffer that way,
// and a value's toPostgres() may return one. What the sealer sends per event is then written
// once, straight into bytes, instead of being escaped into a text literal that the server
// parses again. PGlite takes ordinary JavaScript values: asPgliteParams gives it those.

/**
 * A `text` parameter handed over as its UTF-8 bytes (a text's binary format is its bytes), so
 * a batch of megabytes reaches the server without first being joined into one JavaScript
 * string and encoded again. The server checks the bytes are valid UTF-8 either way.
 */
export class TextBytes {
  constructor(readonly bytes: Buffer) {}

  /** node-postgres's hook for a custom parameter type: the value it sends. */
  toPostgres(): Buffer {
    return this.bytes
  }

  toString(): string {
    return this.bytes.toString('utf8')
  }
}

/** pg_type.oid of text: a binary array names its element type, and the server checks it. */
const TEXT_OID = 25
/** ndim, has-null flag, element type, then the length and lower bound of the one dimension. */
const HEADER_BYTES = 20

/**
 * A one-dimensional `text[]` parameter in the binary array format (PostgreSQL's array_send):
 * each element is a length and its UTF-8 bytes, nothing to escape and nothing to parse.
 * node-postgres would write a text literal instead, escaping every element with two regular
 * expressions, and the server would parse it back; both showed in the sealer's profiles.
 */
export class TextArray {
  private constructor(
    readonly values: readonly (string | null)[],
    readonly bytes: Buffer,
  ) {}

  /** The most bytes `values` can take: UTF-8 needs at most 3 bytes per UTF-16 code unit. */
  static maxBytes(values: readonly (string | null)[]): number {
    let bytes = HEADER_BYTES
    for (const value of values) bytes += 4 + 3 * (value?.length ?? 0)
    return bytes
  }

  /** Encodes `values` into `storage` from `offset` on (room for maxBytes(values) is the caller's). */
  static write(values: readonly (string | null)[], storage: Buffer, offset: number): TextArray {
    let at = offset
    at = storage.writeInt32BE(1, at) // one dimension
    at = storage.writeInt32BE(values.includes(null) ? 1 : 0, at)
    at = storage.writeUInt32BE(TEXT_OID, at)
    at = storage.writeInt32BE(values.length, at)
    at = storage.writeInt32BE(1, at) // lower bound
    for (const value of values) {
      if (value === null) {
        at = storage.writeInt32BE(-1, at)
        continue
      }
      const length = storage.write(value, at + 4, 'utf8')
      storage.writeInt32BE(length, at)
      at += 4 + length
    }
    return new TextArray(values, storage.subarray(offset, at))
  }

  toPostgres(): Buffer {
    return this.bytes
  }
}

/** PGlite knows neither class: it gets the text, and the array's values. */
export function asPgliteParams(params: unknown[] | undefined): unknown[] | undefined {
  if (!params?.some((p) => p instanceof TextBytes || p instanceof TextArray)) return params
  return params.map((p) =>
    p instanceof TextBytes ? p.toString() : p instanceof TextArray ? p.values : p,
  )
}
