import { utf8ByteLength } from './canonical.js'
import { isValidEvent, validEventJson } from './fast-path.js'
import { InvalidEventError } from './invalid-event-error.js'
import { isIpAddress } from './ip.js'
import {
  checkJsonValue,
  describeValue,
  exceedsCodePoints,
  hasLoneSurrogate,
  LONE_SURROGATE_MESSAGE,
  plainObjectProblem,
} from './json-value.js'
import { memberPath } from './path.js'
import { isEventTimestamp } from './timestamp.js'
import type { AuditEvent, EventIssue, EventRule } from './types.js'
import {
  ACTOR_TYPES,
  EVENT_MEMBERS,
  EVENT_TYPE_PATTERN,
  EVENT_VERSION,
  MAX_DATA_BYTES,
  MAX_EVENT_BYTES,
  MAX_STRING,
  MAX_TYPE,
  OUTCOMES,
} from './types.js'
import { isUuid, isUuidV7 } from './uuidv7.js'

export interface ValidateEventOptions {
  /** Require `recorded_at`, as for an event read back from the log (the sealer sets it). */
  requireRecordedAt?: boolean
  /**
   * The input is what JSON.parse returned (members may have been added to it by assignment):
   * it cannot hold an accessor, a symbol key, a non-enumerable member or a sparse array, so
   * the checks for them are skipped — they were a third of the fast path's time on such
   * input. Never set it for objects from anywhere else.
   */
  parsedJson?: boolean
}

export type EventValidationResult =
  { ok: true; event: AuditEvent } | { ok: false; issues: EventIssue[] }

/** validateEvent's result, with the valid event's JSON text. */
export type EventJsonValidationResult =
  { ok: true; event: AuditEvent; json: string } | { ok: false; issues: EventIssue[] }

/**
 * Checks `input` against envelope v1 (architecture.md §2) and collects every issue, not just
 * the first; within one value it stops at the first structural issue (a wrong type, say) so
 * one mistake does not cascade into many.
 *
 * Treat `input` as attacker-controlled: it may be anything, including objects with getters,
 * cycles or deep nesting. On success `event` is `input` itself, not a copy: do not mutate it
 * between validating and hashing.
 */
export function validateEvent(
  input: unknown,
  options: ValidateEventOptions = {},
): EventValidationResult {
  // The common case, a valid event, is answered by the fast path; the thorough walk below
  // describes what is wrong (and would reach the same verdict: fast-path.test.ts).
  if (isValidEvent(input, options.requireRecordedAt === true, options.parsedJson === true)) {
    return { ok: true, event: input as AuditEvent }
  }
  return validateEventThoroughly(input, options)
}

/**
 * validateEvent, also giving a valid event's `JSON.stringify` text (members in insertion
 * order: a permutation of its canonical text, of the same length), on which the size limits
 * are then checked. For a caller that serializes the event next, e.g. the SDK's spool: one
 * serialization instead of two. (validateEvent checks the limits on an upper bound of the
 * size instead, and serializes only an event that bound cannot settle.)
 */
export function validateEventJson(
  input: unknown,
  options: ValidateEventOptions = {},
): EventJsonValidationResult {
  const json = validEventJson(input, options.requireRecordedAt === true)
  if (json !== undefined) return { ok: true, event: input as AuditEvent, json }
  const result = validateEventThoroughly(input, options)
  return result.ok ? { ...result, json: JSON.stringify(input) } : result
}

/**
 * The thorough walk: every rule checked member by member, every issue collected with its
 * path. validateEvent runs it whenever the fast path does not accept the input. Exported for
 * the tests that pin the two to the same verdicts.
 */
export function validateEventThoroughly(
  input: unknown,
  options: ValidateEventOptions = {},
): EventValidationResult {
  const problem = plainObjectProblem(input)
  if (problem !== undefined) {
    return { ok: false, issues: [{ path: '', rule: 'type', message: `the event ${problem}` }] }
  }
  const event = input as Record<string, unknown>
  const checker = new Checker(event)
  checker.checkEnvelope(options)
  const issues = checker.issues
  // Canonicalize only a value known to be canonicalizable.
  if (issues.length === 0) {
    const size = canonicalByteLength(event)
    if (size > MAX_EVENT_BYTES) {
      issues.push(issue('', 'max_size', `canonical form is ${size} bytes, over ${MAX_EVENT_BYTES}`))
    }
  }
  return issues.length === 0 ? { ok: true, event: input as AuditEvent } : { ok: false, issues }
}

/**
 * UTF-8 bytes of JCS(value) for a value already checked to be plain JSON. RFC 8785 writes
 * strings and numbers exactly as JSON.stringify does and adds no whitespace; it only orders
 * object members. So JSON.stringify's text is a permutation of the canonical text, of the
 * same length, and V8 makes it natively at a fraction of the cost of canonicalizing.
 */
function canonicalByteLength(value: unknown): number {
  return utf8ByteLength(JSON.stringify(value))
}

/** validateEvent, throwing InvalidEventError (code INVALID_EVENT) listing every issue. */
export function assertValidEvent(input: unknown, options?: ValidateEventOptions): AuditEvent {
  const result = validateEvent(input, options)
  if (!result.ok) throw new InvalidEventError(result.issues)
  return result.event
}

const KNOWN_MEMBERS: ReadonlySet<string> = new Set(EVENT_MEMBERS)
const ACTOR_MEMBERS: ReadonlySet<string> = new Set(['type', 'id', 'name'])
const TARGET_MEMBERS: ReadonlySet<string> = new Set(['type', 'id', 'name'])
const SOURCE_MEMBERS: ReadonlySet<string> = new Set(['ip', 'user_agent'])
const ERROR_MEMBERS: ReadonlySet<string> = new Set(['code', 'message'])

// Why a member that people may expect is not there, beyond "unknown". A Map, not an object
// literal: member names are attacker-controlled, and `constructor` must not find a function.
const NOT_MEMBER_HINTS: ReadonlyMap<string, string> = new Map([
  ['seq', '; seq is assigned by the log and is not part of the event: strip it before validating'],
  [
    'leaf_hash',
    '; leaf_hash is computed by the log and is not part of the event: strip it before validating',
  ],
])

/** Marks a member that is not an own property of its object. */
const ABSENT = Symbol('absent')

class Checker {
  readonly issues: EventIssue[] = []
  constructor(private readonly event: Record<string, unknown>) {}

  checkEnvelope(options: ValidateEventOptions): void {
    const event = this.event
    this.version(member(event, 'v'))
    this.uuid(event, 'id', 'id', true)
    this.uuid(event, 'tenant_id', 'tenant_id', false)
    this.eventType(member(event, 'type'))
    const outcome = this.enumString(event, 'outcome', 'outcome', OUTCOMES, true)
    this.timestamp(event, 'occurred_at', true)
    this.timestamp(event, 'recorded_at', options.requireRecordedAt === true)
    this.actor()
    this.namedRef('target', TARGET_MEMBERS)
    this.source()
    this.string(event, 'request_id', 'request_id', false)
    this.error(outcome)
    this.data()
    this.unknownMembers(event, '', KNOWN_MEMBERS)
  }

  private version(value: unknown): void {
    if (value === ABSENT) this.required('v')
    else if (typeof value !== 'number') {
      this.add('v', 'type', `must be the number ${EVENT_VERSION}, not ${describeValue(value)}`)
    } else if (value !== EVENT_VERSION) {
      this.add('v', 'enum', `unsupported envelope version ${value}; must be ${EVENT_VERSION}`)
    }
  }

  /** `id` must be a UUIDv7, `tenant_id` any UUID; both lowercase, the one spelling. */
  private uuid(object: Record<string, unknown>, key: string, path: string, v7: boolean): void {
    const value = this.string(object, key, path, true)
    if (value === undefined) return
    const test = v7 ? isUuidV7 : isUuid
    if (test(value)) return
    const kind = v7 ? 'a UUIDv7 (version 7, RFC 9562 variant)' : 'a UUID'
    if (test(value.toLowerCase())) this.add(path, 'format', `must be ${kind} in lowercase`)
    else if (v7 && isUuid(value.toLowerCase())) this.add(path, 'format', `must be ${kind}`)
    else this.add(path, 'format', `must be ${kind} like 01890a5d-ac96-774b-bcce-b302099a8057`)
  }

  private eventType(value: unknown): void {
    if (value === ABSENT) return this.required('type')
    const text = this.checkString(value, 'type', MAX_TYPE)
    if (text !== undefined && !EVENT_TYPE_PATTERN.test(text)) {
      this.add(
        'type',
        'pattern',
        'must be 2 to 8 dot-separated lowercase segments of [a-z0-9_], each starting with a letter, e.g. device.created',
      )
    }
  }

  private timestamp(object: Record<string, unknown>, key: string, required: boolean): void {
    const value = this.string(object, key, key, required)
    if (value !== undefined && !isEventTimestamp(value)) {
      this.add(
        key,
        'format',
        'must be a real UTC time written YYYY-MM-DDTHH:mm:ss.sssZ, e.g. 2025-01-31T23:59:59.123Z',
      )
    }
  }

  private actor(): void {
    const actor = this.object(this.event, 'actor', 'actor', true)
    if (actor === undefined) return
    this.enumString(actor, 'type', 'actor.type', ACTOR_TYPES, true)
    this.string(actor, 'id', 'actor.id', true)
    this.string(actor, 'name', 'actor.name', false)
    this.unknownMembers(actor, 'actor', ACTOR_MEMBERS)
  }

  private namedRef(key: string, members: ReadonlySet<string>): void {
    const ref = this.object(this.event, key, key, false)
    if (ref === undefined) return
    this.string(ref, 'type', `${key}.type`, true)
    this.string(ref, 'id', `${key}.id`, true)
    this.string(ref, 'name', `${key}.name`, false)
    this.unknownMembers(ref, key, members)
  }

  private source(): void {
    const source = this.object(this.event, 'source', 'source', false)
    if (source === undefined) return
    const ip = this.string(source, 'ip', 'source.ip', false)
    if (ip !== undefined && !isIpAddress(ip)) {
      this.add(
        'source.ip',
        'format',
        'must be an IPv4 or IPv6 address literal without port or zone, e.g. 192.0.2.1 or 2001:db8::1',
      )
    }
    this.string(source, 'user_agent', 'source.user_agent', false)
    this.unknownMembers(source, 'source', SOURCE_MEMBERS)
  }

  private error(outcome: string | undefined): void {
    if (outcome === 'success' && member(this.event, 'error') !== ABSENT) {
      this.add('error', 'not_allowed', 'is only allowed when outcome is failure')
      return
    }
    const error = this.object(this.event, 'error', 'error', false)
    if (error === undefined) return
    this.string(error, 'code', 'error.code', false)
    this.string(error, 'message', 'error.message', true)
    this.unknownMembers(error, 'error', ERROR_MEMBERS)
  }

  private data(): void {
    const data = this.object(this.event, 'data', 'data', false)
    if (data === undefined) return
    const before = this.issues.length
    checkJsonValue(data, 'data', this.issues)
    if (this.issues.length > before) return
    const size = canonicalByteLength(data)
    if (size > MAX_DATA_BYTES) {
      this.add('data', 'max_size', `canonical form is ${size} bytes, over ${MAX_DATA_BYTES}`)
    }
  }

  private unknownMembers(
    object: Record<string, unknown>,
    path: string,
    known: ReadonlySet<string>,
  ): void {
    for (const key of Object.keys(object)) {
      if (known.has(key)) continue
      const hint = path === '' ? (NOT_MEMBER_HINTS.get(key) ?? '') : ''
      this.add(memberPath(path, key), 'unknown_member', `is not a member of this object${hint}`)
    }
  }

  // --- building blocks: each returns the checked value, or undefined after an issue ---

  /** A plain-object member; absent optional members and issues both give undefined. */
  private object(
    parent: Record<string, unknown>,
    key: string,
    path: string,
    required: boolean,
  ): Record<string, unknown> | undefined {
    const value = this.present(parent, key, path, required)
    if (value === ABSENT) return undefined
    const problem = plainObjectProblem(value)
    if (problem !== undefined) return this.add(path, 'type', problem)
    return value as Record<string, unknown>
  }

  /** A string member, non-empty and ≤ MAX_STRING code points. */
  private string(
    parent: Record<string, unknown>,
    key: string,
    path: string,
    required: boolean,
  ): string | undefined {
    const value = this.present(parent, key, path, required)
    if (value === ABSENT) return undefined
    return this.checkString(value, path, MAX_STRING)
  }

  private enumString<T extends string>(
    parent: Record<string, unknown>,
    key: string,
    path: string,
    allowed: readonly T[],
    required: boolean,
  ): T | undefined {
    const value = this.string(parent, key, path, required)
    if (value === undefined) return undefined
    if ((allowed as readonly string[]).includes(value)) return value as T
    return this.add(path, 'enum', `must be one of ${allowed.join(', ')}`)
  }

  private checkString(value: unknown, path: string, maxLength: number): string | undefined {
    if (typeof value !== 'string') {
      return this.add(path, 'type', `must be a string, not ${describeValue(value)}`)
    }
    if (hasLoneSurrogate(value)) return this.add(path, 'lone_surrogate', LONE_SURROGATE_MESSAGE)
    if (value.length === 0) return this.add(path, 'min_length', 'must not be empty')
    // The envelope's strings become indexed columns; PostgreSQL text cannot hold NUL. (Inside
    // `data` it is fine: the canonical text stores it escaped as \u0000.)
    if (value.includes('\u0000')) return this.add(path, 'format', 'must not contain U+0000 (NUL)')
    if (exceedsCodePoints(value, maxLength)) {
      return this.add(path, 'max_length', `must be at most ${maxLength} characters`)
    }
    return value
  }

  /**
   * The member's value, or ABSENT after recording why it is missing. Optional members must be
   * omitted, not null; `undefined` is never a JSON value.
   */
  private present(
    parent: Record<string, unknown>,
    key: string,
    path: string,
    required: boolean,
  ): unknown {
    const value = member(parent, key)
    if (value === ABSENT) {
      if (required) this.required(path)
      return ABSENT
    }
    if (value === undefined) {
      this.add(path, 'not_json', 'is undefined, which is not a JSON value: omit the member')
      return ABSENT
    }
    if (value === null && !required) {
      this.add(path, 'null_member', 'must be omitted when absent, not null')
      return ABSENT
    }
    return value
  }

  private required(path: string): undefined {
    return this.add(path, 'required', 'is required')
  }

  private add(path: string, rule: EventRule, message: string): undefined {
    this.issues.push(issue(path, rule, message))
    return undefined
  }
}

function issue(path: string, rule: EventRule, message: string): EventIssue {
  return { path, rule, message }
}

/** An own property's value, never an inherited one (`constructor`, `__proto__`...). */
function member(object: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : ABSENT
}
