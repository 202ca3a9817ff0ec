/**
 * The audit event envelope v1 (architecture.md §2). An event's canonical form E is exactly
 * these members; `seq` and `leaf_hash` are attached by the log and are never part of E.
 */

/** The only envelope version this module knows; a new version is a new validator. */
export const EVENT_VERSION = 1

export const ACTOR_TYPES = ['user', 'service', 'device', 'api_key', 'system', 'anonymous'] as const
export type ActorType = (typeof ACTOR_TYPES)[number]

export const OUTCOMES = ['success', 'failure'] as const
export type Outcome = (typeof OUTCOMES)[number]

/** The tenant of events about no known tenant, e.g. a 401 before authentication. */
export const SYSTEM_TENANT_ID = '00000000-0000-0000-0000-000000000000'

/** Dotted lowercase segments, two to eight of them, e.g. `device.created`. */
export const EVENT_TYPE_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){1,7}$/

/** Longest string outside `data`, in Unicode code points (what JSON Schema's maxLength counts). */
export const MAX_STRING = 1024
/** Longest `type`, in characters (the pattern makes it ASCII). */
export const MAX_TYPE = 128
/** Largest `data`, in bytes of its canonical (RFC 8785) UTF-8 form. */
export const MAX_DATA_BYTES = 32 * 1024
/** Largest whole event, in bytes of its canonical (RFC 8785) UTF-8 form. */
export const MAX_EVENT_BYTES = 64 * 1024
/**
 * Deepest nesting of objects and arrays in `data`, counting `data` itself as level 1. Keeps
 * every recursive walk over an event (validation, canonicalization) far from the stack limit.
 */
export const MAX_DATA_DEPTH = 32

/** The members of E in the order of §2; anything else at the top level is rejected. */
export const EVENT_MEMBERS = [
  'v',
  'id',
  'tenant_id',
  'type',
  'outcome',
  'occurred_at',
  'recorded_at',
  'actor',
  'target',
  'source',
  'request_id',
  'error',
  'data',
] as const
export type EventMember = (typeof EVENT_MEMBERS)[number]

/** A JSON value as RFC 8785 sees it: numbers are finite IEEE 754 doubles. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject
export interface JsonObject {
  [key: string]: JsonValue
}

export interface Actor {
  type: ActorType
  id: string
  name?: string
}

/** The resource acted on. */
export interface Target {
  type: string
  id: string
  name?: string
}

export interface Source {
  /** An IPv4 or IPv6 literal, without zone or port. */
  ip?: string
  user_agent?: string
}

/** Present only when `outcome` is `failure`. */
export interface EventError {
  code?: string
  message: string
}

/**
 * One audit event, envelope v1. Optional members are absent when unset, never `null` or
 * `undefined`: JCS would drop an `undefined` member, so two producers could otherwise hash
 * "the same" event differently.
 */
export interface AuditEvent {
  v: typeof EVENT_VERSION
  /** UUIDv7, lowercase; the idempotency key. */
  id: string
  /** UUID, lowercase; any version, including the nil UUID of the system tenant. */
  tenant_id: string
  type: string
  outcome: Outcome
  /** `YYYY-MM-DDTHH:mm:ss.sssZ`, set by the producer. */
  occurred_at: string
  /** `YYYY-MM-DDTHH:mm:ss.sssZ`, set by the sealer. */
  recorded_at?: string
  actor: Actor
  target?: Target
  source?: Source
  request_id?: string
  error?: EventError
  data?: JsonObject
}

/** One reason an input is not a valid event. */
export interface EventIssue {
  /** Where: `actor.type`, `data.items[2]`, `data["a.b"]`, or `''` for the event itself. */
  path: string
  /** A short stable identifier clients may branch on, e.g. `required` or `max_length`. */
  rule: EventRule
  /** A sentence for people; may change between versions. */
  message: string
}

export type EventRule =
  | 'required'
  | 'type'
  | 'enum'
  | 'pattern'
  | 'format'
  | 'min_length'
  | 'max_length'
  | 'max_size'
  | 'max_depth'
  | 'unknown_member'
  | 'null_member'
  | 'not_allowed'
  | 'lone_surrogate'
  | 'non_finite'
  | 'not_json'
