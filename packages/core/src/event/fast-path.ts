// The fast path of validateEvent: a yes/no answer for the common case, a valid event. It
// checks exactly the rules of the thorough walk in validate.ts, with cheap operations and
// without building issue objects, paths or a checker, and serializes the event once (for
// the size limits; callers that need the JSON text reuse it). It never explains a failure:
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
 * JSON.stringify(input) when `input` is certainly a valid envelope v1 event, else undefined
 * (invalid: the thorough walk then says why; it accepts exactly what this accepts).
 * `requireRecordedAt` as in ValidateEventOptions.
 */
export function validEventJson(input: unknown, requireRecordedAt: boolean): string | undefined {
  const keys = plainObjectKeys(input)
  if (keys === undefined) return undefined
  const event = input as Record<string, unknown>
  let seen = 0
  let failure = false
  let hasError = false
  let hasData = false
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string
    const value = event[key]
    switch (key) {
      case 'v':
        if (value !== EVENT_VERSION) return undefined
        seen |= V
        break
      case 'id':
        if (typeof value !== 'string' || !isUuidV7(value)) return undefined
        seen |= ID
        break
      case 'tenant_id':
        if (typeof value !== 'string' || !isUuid(value)) return undefined
        seen |= TENANT
        break
      case 'type':
        if (typeof value !== 'string' || value.length > MAX_TYPE) return undefined
        if (!EVENT_TYPE_PATTERN.test(value)) return undefined
        seen |= TYPE
        break
      case 'outcome':
        if (!OUTCOME_SET.has(value)) return undefined
        if (value === 'failure') failure = true
        seen |= OUTCOME
        break
      case 'occurred_at':
        if (typeof value !== 'string' || !isEventTimestamp(value)) return undefined
        seen |= OCCURRED
        break
      case 'recorded_at':
        if (typeof value !== 'string' || !isEventTimestamp(value)) return undefined
        seen |= RECORDED
        break
      case 'actor':
        if (!isActor(value)) return undefined
        seen |= ACTOR
        break
      case 'target':
        if (!isTarget(value)) return undefined
        break
      case 'source':
        if (!isSource(value)) return undefined
        break
      case 'request_id':
        if (!isEnvelopeString(value)) return undefined
        break
      case 'error':
        if (!isError(value)) return undefined
        hasError = true
        break
      case 'data':
        // An object, not an array: isJsonValue checks that it is a plain one.
        if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
        if (!isJsonValue(value, 1)) return undefined
        hasData = true
        break
      default:
        return undefined // an unknown member
    }
  }
  if ((seen & REQUIRED) !== REQUIRED) return undefined
  if (requireRecordedAt && (seen & RECORDED) === 0) return undefined
  if (hasError && !failure) return undefined
  const json = JSON.stringify(event)
  // UTF-8 takes at most 3 bytes per UTF-16 code unit: most events need no count at all.
  if (json.length * 3 > MAX_DATA_BYTES) {
    const bytes = utf8ByteLength(json)
    if (bytes > MAX_EVENT_BYTES) return undefined
    // `data`'s JSON is part of the event's: only a large event can have a large `data`.
    if (hasData && bytes > MAX_DATA_BYTES) {
      if (utf8ByteLength(JSON.stringify(event.data)) > MAX_DATA_BYTES) return undefined
    }
  }
  return json
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
function plainObjectKeys(value: unknown): string[] | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  const proto: unknown = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) return undefined
  const keys = Object.keys(value)
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

function isActor(value: unknown): boolean {
  const keys = plainObjectKeys(value)
  if (keys === undefined) return false
  const actor = value as Record<string, unknown>
  let required = 0
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string
    const member = actor[key]
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

function isTarget(value: unknown): boolean {
  const keys = plainObjectKeys(value)
  if (keys === undefined) return false
  const target = value as Record<string, unknown>
  let required = 0
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string
    if (!isEnvelopeString(target[key])) return false
    if (key === 'type') required |= 1
    else if (key === 'id') required |= 2
    else if (key !== 'name') return false
  }
  return required === 3
}

function isSource(value: unknown): boolean {
  const keys = plainObjectKeys(value)
  if (keys === undefined) return false
  const source = value as Record<string, unknown>
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string
    const member = source[key]
    if (!isEnvelopeString(member)) return false
    if (key === 'ip') {
      if (!isIpAddress(member as string)) return false
    } else if (key !== 'user_agent') return false
  }
  return true
}

function isError(value: unknown): boolean {
  const keys = plainObjectKeys(value)
  if (keys === undefined) return false
  const error = value as Record<string, unknown>
  let message = false
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string
    if (!isEnvelopeString(error[key])) return false
    if (key === 'message') message = true
    else if (key !== 'code') return false
  }
  return message
}

/** A value inside `data` at nesting level `depth` (data itself is level 1). */
function isJsonValue(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
      return !hasLoneSurrogate(value)
    case 'number':
      return Number.isFinite(value)
    case 'boolean':
      return true
    case 'object': {
      if (value === null) return true
      if (depth > MAX_DATA_DEPTH) return false
      if (Array.isArray(value)) return isJsonArray(value, depth)
      const keys = plainObjectKeys(value)
      if (keys === undefined) return false
      const object = value as Record<string, unknown>
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] as string
        if (hasLoneSurrogate(key) || !isJsonValue(object[key], depth + 1)) return false
      }
      return true
    }
    default:
      return false
  }
}

/** A plain, dense array without extra properties whose elements are JSON values. */
function isJsonArray(value: unknown[], depth: number): boolean {
  if (Object.getPrototypeOf(value) !== Array.prototype) return false
  const names = Object.getOwnPropertyNames(value)
  // Exactly the indexes and `length`: fewer means holes, more means extra properties.
  if (names.length !== value.length + 1) return false
  if (Object.getOwnPropertySymbols(value).length !== 0) return false
  for (let i = 0; i < value.length; i++) {
    const descriptor = Object.getOwnPropertyDescriptor(value, i)
    if (descriptor === undefined || !('value' in descriptor) || !descriptor.enumerable) {
      return false
    }
    if (!isJsonValue(descriptor.value, depth + 1)) return false
  }
  return true
}
