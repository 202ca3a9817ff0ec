import { DbError } from './errors.js'

/** PostgreSQL type OIDs whose text form we parse ourselves. */
export const OID = Object.freeze({
  INT8: 20,
  BYTEA: 17,
  INT8_ARRAY: 1016,
  BYTEA_ARRAY: 1001,
})

/**
 * parseInt8 turns an int8 (bigint) column into a JS number. Sequence numbers and tree sizes
 * stay far below 2^53 in practice; past Number.MAX_SAFE_INTEGER it throws rather than round.
 */
export function parseInt8(text: string): number {
  const value = Number(text)
  if (!Number.isSafeInteger(value)) {
    throw new DbError('UNSAFE_INTEGER', `int8 value ${text} is not a safe JS integer`)
  }
  return value
}

/** toPlainBytes copies a Node Buffer (pg's bytea) into a plain Uint8Array, as PGlite returns. */
export function toPlainBytes(bytes: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(bytes) === Uint8Array.prototype ? bytes : new Uint8Array(bytes)
}

export type Nested<T> = T | null | Nested<T>[]

/** mapNested applies `fn` to every non-null leaf of a parsed PostgreSQL array. */
export function mapNested<A, B>(value: Nested<A>, fn: (leaf: A) => B): Nested<B> {
  if (value === null) return null
  if (Array.isArray(value)) return value.map((item) => mapNested(item, fn))
  return fn(value)
}
