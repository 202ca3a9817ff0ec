// RFC 8785 (JSON Canonicalization Scheme) serialization. This text is what the log hashes, so
// it is the product's own code, written for the sealing path: one pass, no per-call Set or
// intermediate arrays. test/event/jcs.test.ts checks it against the `canonicalize` package
// (the reference implementation's port) on the RFC's examples and on random JSON values.
//
// JCS on a JSON value is ECMAScript's JSON serialization with object members sorted by their
// names' UTF-16 code units: strings and numbers are exactly what JSON.stringify writes
// (RFC 8785 §3.2.2), and Array.prototype.sort's default order is the UTF-16 order (§3.2.3).

import { AuditsealError } from '../errors.js'

/** Deeper nesting is refused rather than risk a stack overflow on hostile input. */
const MAX_DEPTH = 1000

// A high surrogate not followed by a low one, or a low one not preceded by a high one
// (without the u flag, a regex sees UTF-16 code units).
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

function fail(reason: string): never {
  throw new AuditsealError('INVALID_EVENT', `cannot canonicalize: ${reason}`)
}

function stringText(value: string): string {
  if (LONE_SURROGATE.test(value)) fail('Lone surrogate is not allowed')
  return JSON.stringify(value)
}

function numberText(value: number): string {
  if (Number.isNaN(value)) fail('NaN is not allowed')
  if (!Number.isFinite(value)) fail('Infinity is not allowed')
  return JSON.stringify(value)
}

function valueText(value: unknown, depth: number): string | undefined {
  switch (typeof value) {
    case 'string':
      return stringText(value)
    case 'number':
      return numberText(value)
    case 'boolean':
      return value ? 'true' : 'false'
    case 'object':
      if (value === null) return 'null'
      if (depth >= MAX_DEPTH) fail(`nested deeper than ${MAX_DEPTH} levels (or circular)`)
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
        return valueText((value as { toJSON(): unknown }).toJSON(), depth + 1)
      }
      return Array.isArray(value)
        ? arrayText(value, depth + 1)
        : objectText(value as Record<string, unknown>, depth + 1)
    case 'bigint':
      return fail('BigInt is not a JSON value')
    default:
      // undefined, functions and symbols have no JSON form: omitted as members, null in arrays.
      return undefined
  }
}

function arrayText(items: readonly unknown[], depth: number): string {
  let text = '['
  for (let i = 0; i < items.length; i++) {
    if (i > 0) text += ','
    text += valueText(items[i], depth) ?? 'null'
  }
  return text + ']'
}

function objectText(object: Record<string, unknown>, depth: number): string {
  const names = Object.keys(object).sort()
  let text = '{'
  let first = true
  for (const name of names) {
    const member = valueText(object[name], depth)
    if (member === undefined) continue
    text += first ? '' : ','
    text += stringText(name)
    text += ':'
    text += member
    first = false
  }
  return text + '}'
}

/**
 * RFC 8785 text of any JSON value. Throws AuditsealError('INVALID_EVENT') for what JCS
 * cannot represent (NaN, ±Infinity, lone surrogates, BigInt, cycles).
 */
export function jcs(value: unknown): string {
  const text = valueText(value, 0)
  if (text === undefined) fail('not a JSON value')
  return text
}
