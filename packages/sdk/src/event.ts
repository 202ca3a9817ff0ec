// What log() does to an event before spooling it: fill in what the producer may leave out
// (v, id, occurred_at, the tenant), validate it with the core's validator (the server's own
// rules, so an event that passes here is not refused there), and serialize it once. The JSON
// written to the spool is exactly the JSON sent to the server.

import type { AuditEvent, EventIssue } from '@auditseal/core'
import {
  InvalidEventError,
  SYSTEM_TENANT_ID,
  uuidv7,
  validateEvent,
  validateEventJson,
} from '@auditseal/core'

/**
 * An event as a producer hands it to log(): the envelope v1 (architecture §2) where `v`, `id`
 * (a UUIDv7 is made) and `occurred_at` (now) may be left out, and `tenant_id` too when the
 * server takes it from the credential or the logger has a default. `recorded_at` is the
 * sealer's to set.
 */
export type AuditEventInput = Omit<
  AuditEvent,
  'v' | 'id' | 'tenant_id' | 'occurred_at' | 'recorded_at'
> & {
  v?: 1
  id?: string
  tenant_id?: string
  occurred_at?: string
}

export interface PreparedEvent {
  id: string
  /**
   * The event's JSON, as spooled and sent — but for the last `dropTail` characters before its
   * closing `}`, which the spool leaves out (see encodeFrame): the placeholder tenant.
   */
  json: string
  dropTail: number
}

export interface PrepareOptions {
  /** The tenant of events that name none. */
  tenantId?: string
  /** Refuse events without a tenant (and no default): the transport has no credential to take it from. */
  requireTenant: boolean
  /** Unix ms, for occurred_at (tests). */
  now?: () => number
}

/**
 * A tenant-less event is validated as if it belonged to this (valid) tenant and sent without
 * it, so every other rule, including the size limit, is checked exactly as the server will
 * once it has filled in the real one (a UUID of the same length).
 */
const PLACEHOLDER_TENANT = SYSTEM_TENANT_ID
/** JSON.stringify writes members in insertion order: the placeholder, inserted last, ends it. */
const PLACEHOLDER_MEMBER = `,"tenant_id":${JSON.stringify(PLACEHOLDER_TENANT)}`

/** Returns the function log() calls on every event; it throws InvalidEventError. */
export function createEventPreparer(options: PrepareOptions): (input: unknown) => PreparedEvent {
  const now = options.now ?? Date.now
  // toISOString costs about a microsecond; at more than a few events per millisecond most
  // calls share their millisecond with the previous one, and so its string.
  let isoMs = Number.NaN
  let iso = ''
  const nowIso = (): string => {
    const ms = now()
    if (ms !== isoMs) {
      iso = new Date(ms).toISOString()
      isoMs = ms
    }
    return iso
  }

  return (input) => {
    if (!isPlainObject(input)) throw invalid(validateEvent(input))
    const hasTenant = given(input, 'tenant_id')
    const placeholder = !hasTenant && options.tenantId === undefined
    if (placeholder && options.requireTenant) throw new InvalidEventError([TENANT_REQUIRED])
    // One object literal, the defaults first: a member the producer gave replaces its default
    // in place. A placeholder tenant comes last, where the spool can leave it out.
    const id = given(input, 'id') ? '' : uuidv7()
    const occurredAt = given(input, 'occurred_at') ? '' : nowIso()
    const event: Record<string, unknown> = placeholder
      ? { v: 1, id, occurred_at: occurredAt, ...input, tenant_id: PLACEHOLDER_TENANT }
      : { v: 1, id, occurred_at: occurredAt, tenant_id: options.tenantId ?? '', ...input }

    // Validated and serialized in one go: the validator measures the event by its JSON.
    const result = validateEventJson(event)
    if (!result.ok || given(input, 'recorded_at')) {
      const issues = result.ok ? [] : result.issues
      if (given(input, 'recorded_at')) issues.push(RECORDED_AT_NOT_ALLOWED)
      throw new InvalidEventError(issues)
    }
    return {
      id: event.id as string,
      json: result.json,
      dropTail: placeholder ? PLACEHOLDER_MEMBER.length : 0,
    }
  }
}

/** Whether spreading `input` copies member `key`: an own, enumerable property. */
function given(input: object, key: string): boolean {
  return propertyIsEnumerable.call(input, key)
}
const propertyIsEnumerable = Object.prototype.propertyIsEnumerable

const TENANT_REQUIRED: EventIssue = {
  path: 'tenant_id',
  rule: 'required',
  message:
    'is required: this logger has no default tenantId and its transport (in-process) has no credential to take the tenant from',
}

const RECORDED_AT_NOT_ALLOWED: EventIssue = {
  path: 'recorded_at',
  rule: 'not_allowed',
  message: 'is set by the sealer when the event is sealed: leave it out',
}

function invalid(result: ReturnType<typeof validateEvent>): InvalidEventError {
  return new InvalidEventError(result.ok ? [] : result.issues)
}

/** An object the core's validator may accept: anything else is judged by it as it is. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}
