import { memberPath, indexPath } from './path.js'
import type { EventIssue, EventRule } from './types.js'
import { MAX_DATA_DEPTH } from './types.js'

// What every value in an event must be, wherever it is: a plain JSON value that RFC 8785
// can serialize one way only. Anything else would hash differently across implementations,
// or not at all.

// A high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
// (No `u` flag: the pattern must see UTF-16 code units, not code points.)
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** True when `text` cannot be encoded as UTF-8 because it holds an unpaired surrogate. */
export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text)
}

/**
 * Whether `text` has more than `limit` Unicode code points, which is what JSON Schema's
 * maxLength counts (an emoji is one, though two UTF-16 code units). Requires well-formed
 * UTF-16, checked before.
 */
export function exceedsCodePoints(text: string, limit: number): boolean {
  if (text.length <= limit) return false // code points never outnumber UTF-16 code units
  let count = 0
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    if (unit >= 0xd800 && unit <= 0xdbff) i++ // a pair (lone surrogates were rejected before)
    if (++count > limit) return true
  }
  return false
}

/** A short phrase naming what `value` is, for messages: `null`, `an array`, `a Date`... */
export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (value === undefined) return 'undefined'
  if (Array.isArray(value)) return 'an array'
  switch (typeof value) {
    case 'string':
      return 'a string'
    case 'number':
      return 'a number'
    case 'boolean':
      return 'a boolean'
    case 'bigint':
      return 'a bigint'
    case 'symbol':
      return 'a symbol'
    case 'function':
      return 'a function'
  }
  const proto: unknown = Object.getPrototypeOf(value)
  if (proto === Object.prototype || proto === null) return 'an object'
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name
  return typeof name === 'string' && name !== '' ? `a ${name}` : 'a non-plain object'
}

/**
 * Why `value` is not a plain JSON object (a sentence fragment), or undefined when it is one:
 * an object with Object.prototype or no prototype, whose own properties are all enumerable,
 * string-keyed data properties. Rejects arrays, class instances (Date, Map...), and getters,
 * which could answer differently when validated and when hashed.
 */
export function plainObjectProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `must be an object, not ${describeValue(value)}`
  }
  const proto: unknown = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) {
    return `must be a plain object, not ${describeValue(value)}`
  }
  return ownDataPropertiesProblem(value, Reflect.ownKeys(value))
}

function ownDataPropertiesProblem(value: object, keys: (string | symbol)[]): string | undefined {
  for (const key of keys) {
    if (typeof key === 'symbol') return 'must not have symbol-keyed properties'
    const descriptor = Object.getOwnPropertyDescriptor(value, key)
    if (descriptor === undefined) continue
    if (!('value' in descriptor)) return `must not have accessor property ${JSON.stringify(key)}`
    if (!descriptor.enumerable && !(Array.isArray(value) && key === 'length')) {
      return `must not have non-enumerable property ${JSON.stringify(key)}`
    }
  }
  return undefined
}

/** Why `value` is not a plain, dense JSON array, or undefined when it is one. */
function plainArrayProblem(value: unknown[]): string | undefined {
  if (Object.getPrototypeOf(value) !== Array.prototype) {
    return `must be a plain array, not ${describeValue(value)}`
  }
  const keys = Reflect.ownKeys(value)
  // A dense array has exactly its indexes and `length`; fewer means holes, which JCS
  // implementations disagree on; more means extra properties that JSON cannot carry.
  if (keys.length !== value.length + 1) {
    return 'must be a dense array without holes or extra properties'
  }
  return ownDataPropertiesProblem(value, keys)
}

/**
 * Appends to `issues` everything that keeps `value` (the `data` member, at `path`) from being
 * a canonicalizable JSON value: lone surrogates in strings and member names, non-finite
 * numbers, non-JSON values, nesting deeper than MAX_DATA_DEPTH (`value` itself is level 1).
 * Does not descend into a value once it found a structural issue there.
 */
export function checkJsonValue(value: unknown, path: string, issues: EventIssue[]): void {
  walk(value, 1, { base: path, segments: [], issues })
}

interface Walk {
  base: string
  /** Member names and indexes from `base` down to the current value. */
  segments: (string | number)[]
  issues: EventIssue[]
}

// Paths are built only when there is an issue to report: building one per value would cost
// more than the checks themselves.
function report(walk: Walk, rule: EventRule, message: string): void {
  let path = walk.base
  for (const segment of walk.segments) {
    path = typeof segment === 'number' ? indexPath(path, segment) : memberPath(path, segment)
  }
  walk.issues.push({ path, rule, message })
}

function walk(value: unknown, depth: number, state: Walk): void {
  switch (typeof value) {
    case 'boolean':
      return
    case 'string':
      if (hasLoneSurrogate(value)) report(state, 'lone_surrogate', LONE_SURROGATE_MESSAGE)
      return
    case 'number':
      if (!Number.isFinite(value)) {
        report(state, 'non_finite', `must be a finite number, not ${value}`)
      }
      return
    case 'object':
      if (value === null) return
      if (depth > MAX_DATA_DEPTH) {
        report(
          state,
          'max_depth',
          `nests deeper than ${MAX_DATA_DEPTH} levels of objects and arrays in data`,
        )
        return
      }
      if (Array.isArray(value)) walkArray(value, depth, state)
      else walkObject(value, depth, state)
      return
    default:
      report(state, 'not_json', `${describeValue(value)} is not a JSON value`)
  }
}

function walkArray(value: unknown[], depth: number, state: Walk): void {
  const problem = plainArrayProblem(value)
  if (problem !== undefined) return report(state, 'not_json', problem)
  for (let i = 0; i < value.length; i++) {
    state.segments.push(i)
    walk(value[i], depth + 1, state)
    state.segments.pop()
  }
}

function walkObject(value: object, depth: number, state: Walk): void {
  const problem = plainObjectProblem(value)
  if (problem !== undefined) return report(state, 'not_json', problem)
  const record = value as Record<string, unknown>
  for (const key of Object.keys(record)) {
    state.segments.push(key)
    if (hasLoneSurrogate(key))
      report(state, 'lone_surrogate', `member name ${LONE_SURROGATE_MESSAGE}`)
    else walk(record[key], depth + 1, state)
    state.segments.pop()
  }
}

export const LONE_SURROGATE_MESSAGE =
  'contains a lone UTF-16 surrogate, which cannot be encoded as UTF-8'
