// The fast path of validateEvent: a yes/no answer for the common case, a valid event. It
// checks exactly the rules of the thorough walk in validate.ts, with cheap operations and
// without building issue objects, paths or a checker. The size limits are checked on an upper
// bound of the event's JSON tallied during the walk; only an event too large for that bound to
// settle them is serialized and measured (validEventJson always serializes: its callers reuse
// the text). It never explains a failure:
// whenever it cannot say "valid", validateEvent runs the thorough walk, which describes every
// issue. So it may only say "valid" where the thorough walk finds no issue; the tests in
// packages/core/test/event/fast-path.test.ts pin that both accept exactly the same inputs.

import { utf8ByteLength } from './canonical.js'
import { isIpAddress } from './ip.js'
import { exceedsCodePoints, hasLoneSurrogate } from './json-value.js'
import { isEventTimestamp } from './timestamp.js'
import {
  ACTOR_TYPES,
  EVENT_TYPE_PATTERN,
  EVENT_VERSION,
  MAX_DATA_BYTES,
  MAX_DATA_DEPTH,
  MAX_EVENT_BYTES,
  MAX_STRING,
  MAX_TYPE,
  OUTCOMES,
} from './types.js'
import { isUuid, isUuidV7 } from './uuidv7.js'

const ACTOR_TYPE_SET: ReadonlySet<unknown> = new Set(ACTOR_TYPES)
const OUTCOME_SET: ReadonlySet<unknown> = new Set(OUTCOMES)

// Required members of the envelope, as bits.
const V = 1
const ID = 2
const TENANT = 4
const TYPE = 8
const OUTCOME = 16
const OCCURRED = 32
const ACTOR = 64
const RECORDED = 128
const REQUIRED = V | ID | TENANT | TYPE | OUTCOME | OCCURRED | ACTOR

/**
 * What the walk carries. It counts, to bound the UTF-8 length of JSON.stringify(event) from
 * above, the UTF-16 units of every string and member name and the number of values and member
 * names: a unit takes at most 6 bytes (a \u escape; else 1 to 3 bytes, or 4 for a pair of two
 * units), and every value or name at most 32 more (its quotes, colon and comma, brackets, or a
 * number's digits, at most 25 characters).
 */
interface Walk {
  units: number
  values: number
  /** The input is JSON.parse's output (see ValidateEventOptions.parsedJson). */
  readonly parsedJson: boolean
}

const BYTES_PER_UNIT = 6
const BYTES_PER_VALUE = 32

const INVALID = -1
const VALID = 0
const VALID_WITH_DATA = 1
type Verdict = typeof INVALID | typeof VALID | typeof VALID_WITH_DATA

/**
 * Whether `input` is certainly a valid envelope v1 event (false: invalid, and the thorough
 * walk then says why; it accepts exactly what this accepts). `requireRecordedAt` as in
 * ValidateEventOptions.
 */
export function isValidEvent(
  input: unknown,
  requireRecordedAt: boolean,
  parsedJson = false,
): boolean {
  const walk: Walk = { units: 0, values: 0, parsedJson }
  const verdict = walkEvent(input, requireRecordedAt, walk)
  if (verdict === INVALID) return false
  // Most events are far below the limits: the bound settles them without serializing.
  if (sizeBound(walk) <= MAX_DATA_BYTES) return true
  return withinSizeLimits(input as Record<string, unknown>, JSON.stringify(input), verdict)
}

/**
 * JSON.stringify(input) when `input` is certainly a valid envelope v1 event, else undefined
 * (as isValidEvent), for callers that serialize the event anyway.
 */
export function validEventJson(input: unknown, requireRecordedAt: boolean): string | undefined {
  const verdict = walkEvent(input, requireRecordedAt, { units: 0, values: 0, parsedJson: false })
  if (verdict === INVALID) return undefined
  const json = JSON.stringify(input)
  return withinSizeLimits(input as Record<string, unknown>, json, verdict) ? json : undefined
}

/** The upper bound of the UTF-8 length of the walked event's JSON (exported for its tests). */
export function eventSizeBound(input: unknown, parsedJson = false): number | undefined {
  const walk: Walk = { units: 0, values: 0, parsedJson }
  return walkEvent(input, false, walk) === INVALID ? undefined : sizeBound(walk)
}

function sizeBound(walk: Walk): number {
  return BYTES_PER_UNIT * walk.units + BYTES_PER_VALUE * walk.values
}

/** The size limits, on the event's JSON text (the same length as its canonical text). */
function withinSizeLimits(event: Record<string, unknown>, json: string, verdict: Verdict): boolean {
  // UTF-8 takes at most 3 bytes per UTF-16 code unit: most events need no count at all.
  if (json.length * 3 <= MAX_DATA_BYTES) return true
  const bytes = utf8ByteLength(json)
  if (bytes > MAX_EVENT_BYTES) return false
  // `data`'s JSON is part of the event's: only a large event can have a large `data`.
  if (verdict === VALID_WITH_DATA && bytes > MAX_DATA_BYTES) {
    return utf8ByteLength(JSON.stringify(event.data)) <= MAX_DATA_BYTES
  }
  return true
}

/** The rules of the envelope, member by member, without the size limits. */
function walkEvent(input: unknown, requireRecordedAt: boolean, walk: Walk): Verdict {
  const keys = plainObjectKeys(input, walk.parsedJson)
  if (keys === undefined) return INVALID
  const event = input as Record<string, unknown>
  let seen = 0
  let failure = false
  let hasError = false
  let hasData = false
  walk.values += 1
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string
    const value = event[key]
    walk.units += key.length
    walk.values += 2
    if (typeof value === 'string') walk.units += value.length
    switch (key) {
      case 'v':
        if (value !== EVENT_VERSION) return INVALID
        seen |= V
        break
      case 'id':
        if (typeof value !== 'string' || !isUuidV7(value)) return INVALID
        seen |= ID
        break
      case 'tenant_id':
        if (typeof value !== 'string' || !isUuid(value)) return INVALID
        seen |= TENANT
        break
      case 'type':
        if (typeof value !== 'string' || value.length > MAX_TYPE) return INVALID
        if (!EVENT_TYPE_PATTERN.test(value)) return INVALID
        seen |= TYPE
        break
      case 'outcome':
        if (!OUTCOME_SET.has(value)) return INVALID
        if (value === 'failure') failure = true
        seen |= OUTCOME
        break
      case 'occurred_at':
        if (typeof value !== 'string' || !isEventTimestamp(value)) return INVALID
        seen |= OCCURRED
        break
      case 'recorded_at':
        if (typeof value !== 'string' || !isEventTimestamp(value)) return INVALID
        seen |= RECORDED
        break
      case 'actor':
        if (!isActor(value, walk)) return INVALID
        seen |= ACTOR
        break
      case 'target':
        if (!isTarget(value, walk)) return INVALID
        break
      case 'source':
        if (!isSource(value, walk)) return INVALID
        break
      case 'request_id':
        if (!isEnvelopeString(value)) return INVALID
        break
      case 'error':
        if (!isError(value, walk)) return INVALID
        hasError = true
        break
      case 'data':
        // An object, not an array: isJsonValue checks that it is a plain one.
        if (typeof value !== 'object' || value === null || Array.isArray(value)) return INVALID
        if (!isJsonValue(value, 1, walk)) return INVALID
        hasData = true
        break
      default:
        return INVALID // an unknown member
    }
  }
  if ((seen & REQUIRED) !== REQUIRED) return INVALID
  if (requireRecordedAt && (seen & RECORDED) === 0) return INVALID
  if (hasError && !failure) return INVALID
  return hasData ? VALID_WITH_DATA : VALID
}

/**
 * The own property names of a plain object (Object.prototype or no prototype; only
 * enumerable, string-keyed data properties), or undefined for anything else: the fast
 * equivalent of plainObjectProblem(value) === undefined. Without Reflect.ownKeys (several
 * times the cost of the cached Object.getOwnPropertyNames) and without a property descriptor
 * per member (an allocation each, a third of what logging an event allocated).
 *
 * An accessor is found by its getter. One with a setter only reads as `undefined`, which no
 * member of an event may be, so every caller refuses it by its value.
 */
function plainObjectKeys(value: unknown, parsedJson: boolean): string[] | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  const proto: unknown = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) return undefined
  const keys = Object.keys(value)
  // JSON.parse makes enumerable, string-keyed data members only: nothing below can fail.
  if (parsedJson) return keys
  // Both lists are cached by V8: comparing their lengths is cheaper than asking each member.
  if (Object.getOwnPropertyNames(value).length !== keys.length) return undefined // non-enumerable
  if (Object.getOwnPropertySymbols(value).length !== 0) return undefined
  for (let i = 0; i < keys.length; i++) {
    if (lookupGetter.call(value, keys[i] as string) !== undefined) return undefined
  }
  return keys
}

// Annex B, in every engine: the getter of the nearest property of that name, own ones first
// (undefined for a data property); the one way to spot a getter without allocating.
const lookupGetter = (
  Object.prototype as unknown as { __lookupGetter__: (this: object, name: string) => unknown }
).__lookupGetter__

/** Tallies a member of actor, target, source or error (each a string when valid). */
function countMember(walk: Walk, key: string, member: unknown): void {
  walk.units += key.length + (typeof member === 'string' ? member.length : 0)
  walk.values += 2
}

/** A string of the envelope: non-empty, well-formed, no NUL, at most MAX_STRING code points. */
function isEnvelopeString(value: unknown): boolean {
  return (
    typeof value === 'string' &&
    value.length !== 0 &&
    !hasLoneSurrogate(value) &&
    !value.includes('\u0000') &&
    !exceedsCodePoints(value, MAX_STRING)
  )
}

function isActor(value: unknown, walk: Walk): boolean {
  const keys = plainObjectKeys(value, walk.parsedJson)
  if (keys === undefined) return false
  const actor = value as Record<string, unknown>
  let required = 0
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string
    const member = actor[key]
    countMember(walk, key, member)
    switch (key) {
      case 'type':
        if (!ACTOR_TYPE_SET.has(member)) return false
        required |= 1
        break
      case 'id':
        if (!isEnvelopeString(member)) return false
        required |= 2
        break
      case 'name':
        if (!isEnvelopeString(member)) return false
        break
      default:
        return false
    }
  }
  return required === 3
}

function isTarget(value: unknown, walk: Walk): boolean {
  const keys = plainObjectKeys(value, walk.parsedJson)
  if (keys === undefined) return false
  const target = value as Record<string, unknown>
  let required = 0
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string
    countMember(walk, key, target[key])
    if (!isEnvelopeString(target[key])) return false
    if (key === 'type') required |= 1
    else if (key === 'id') required |= 2
    else if (key !== 'name') return false
  }
  return required === 3
}

function isSource(value: unknown, walk: Walk): boolean {
  const keys = plainObjectKeys(value, walk.parsedJson)
  if (keys === undefined) return false
  const source = value as Record<string, unknown>
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string
    const member = source[key]
    countMember(walk, key, member)
    if (!isEnvelopeString(member)) return false
    if (key === 'ip') {
      if (!isIpAddress(member as string)) return false
    } else if (key !== 'user_agent') return false
  }
  return true
}

function isError(value: unknown, walk: Walk): boolean {
  const keys = plainObjectKeys(value, walk.parsedJson)
  if (keys === undefined) return false
  const error = value as Record<string, unknown>
  let message = false
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string
    countMember(walk, key, error[key])
    if (!isEnvelopeString(error[key])) return false
    if (key === 'message') message = true
    else if (key !== 'code') return false
  }
  return message
}

/** A value inside `data` at nesting level `depth` (data itself is level 1). */
function isJsonValue(value: unknown, depth: number, walk: Walk): boolean {
  walk.values += 1
  switch (typeof value) {
    case 'string':
      walk.units += value.length
      return !hasLoneSurrogate(value)
    case 'number':
      return Number.isFinite(value)
    case 'boolean':
      return true
    case 'object': {
      if (value === null) return true
      if (depth > MAX_DATA_DEPTH) return false
      if (Array.isArray(value)) return isJsonArray(value, depth, walk)
      const keys = plainObjectKeys(value, walk.parsedJson)
      if (keys === undefined) return false
      const object = value as Record<string, unknown>
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] as string
        walk.units += key.length
        walk.values += 1
        if (hasLoneSurrogate(key) || !isJsonValue(object[key], depth + 1, walk)) return false
      }
      return true
    }
    default:
      return false
  }
}

/** A plain, dense array without extra properties whose elements are JSON values. */
function isJsonArray(value: unknown[], depth: number, walk: Walk): boolean {
  if (Object.getPrototypeOf(value) !== Array.prototype) return false // its own toJSON, say
  if (walk.parsedJson) {
    // JSON.parse makes plain, dense arrays of data elements.
    for (let i = 0; i < value.length; i++) {
      if (!isJsonValue(value[i], depth + 1, walk)) return false
    }
    return true
  }
  const names = Object.getOwnPropertyNames(value)
  // Exactly the indexes and `length`: fewer means holes, more means extra properties.
  if (names.length !== value.length + 1) return false
  if (Object.getOwnPropertySymbols(value).length !== 0) return false
  for (let i = 0; i < value.length; i++) {
    const descriptor = Object.getOwnPropertyDescriptor(value, i)
    if (descriptor === undefined || !('value' in descriptor) || !descriptor.enumerable) {
      return false
    }
    if (!isJsonValue(descriptor.value, depth + 1, walk)) return false
  }
  return true
}
