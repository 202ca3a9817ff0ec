// Turns the events of a POST /v1/events body into envelopes the sealer accepts, or refuses the
// whole batch saying what is wrong with each event. The tenant comes from the credential:
// an event may name it in tenant_id or leave tenant_id out (it is filled in); naming another
// tenant refuses the batch with 403 tenant_mismatch before anything else is looked at.

import type { AuditEvent } from '@auditseal/core'
import { uuidv7, validateEvent } from '@auditseal/core'
import type { ErrorDetail } from '../errors.js'
import { ApiError } from '../errors.js'

/** Most per-event details one answer lists; the message gives the full count. */
export const MAX_DETAILS = 1000

/**
 * prepareBatch returns the events to seal for `tenantId`, in order: each input with tenant_id
 * filled in when absent and id generated (UUIDv7) when absent, checked by the core's
 * validateEvent. Throws ApiError `tenant_mismatch` or `invalid_event`, with details
 * `{index, path, message}`, when any event is refused.
 *
 * The members are added to the inputs themselves, which are the parsed request body's own
 * objects, not needed afterwards (also when the batch is refused). Only an input that is not
 * a plain extensible object, or one listed twice, is copied first.
 *
 * `parsedJson`: the inputs are JSON.parse's output (the route's are), so validation may skip
 * the checks for accessors and the like, which such objects cannot hold.
 */
export function prepareBatch(
  tenantId: string,
  inputs: readonly unknown[],
  { newId = uuidv7, parsedJson = false }: { newId?: () => string; parsedJson?: boolean } = {},
): AuditEvent[] {
  assertSameTenant(tenantId, inputs)
  const events: AuditEvent[] = []
  const details: ErrorDetail[] = []
  // A parsed body cannot list one object twice: its thousand inputs need not be looked up.
  const shared = parsedJson ? NONE : listedTwice(inputs)
  let refused = 0
  inputs.forEach((input, index) => {
    const issues = eventIssues(tenantId, input, newId, shared, parsedJson)
    if ('event' in issues) {
      events.push(issues.event)
      return
    }
    refused++
    for (const { path, message } of issues.list) details.push({ index, path, message })
  })
  if (refused > 0) {
    const shown = details.slice(0, MAX_DETAILS)
    const more = details.length > shown.length ? ` (first ${shown.length} issues listed)` : ''
    throw new ApiError(
      'invalid_event',
      `${refused} of ${inputs.length} events are not valid; nothing was stored${more}`,
      { details: shown },
    )
  }
  return events
}

function assertSameTenant(tenantId: string, inputs: readonly unknown[]): void {
  const details: ErrorDetail[] = []
  inputs.forEach((input, index) => {
    if (!isRecord(input) || !Object.hasOwn(input, 'tenant_id')) return
    const named = input.tenant_id
    // Another spelling of the same tenant (upper case) is a format issue, reported later.
    if (typeof named === 'string' && named.toLowerCase() !== tenantId) {
      details.push({
        index,
        path: 'tenant_id',
        message: `names tenant ${JSON.stringify(named.slice(0, 64))}; this credential writes to ${tenantId} only (omit tenant_id to use it)`,
      })
    }
  })
  if (details.length > 0) {
    throw new ApiError('tenant_mismatch', undefined, {
      details: details.slice(0, MAX_DETAILS),
      reason: `${details.length} events name another tenant than ${tenantId}`,
    })
  }
}

type Issues = { event: AuditEvent } | { list: { path: string; message: string }[] }

function eventIssues(
  tenantId: string,
  input: unknown,
  newId: () => string,
  shared: ReadonlySet<unknown>,
  parsedJson: boolean,
): Issues {
  if (!isRecord(input)) {
    const result = validateEvent(input) // says what the input is instead of an object
    return { list: result.ok ? [] : result.issues }
  }
  if (Object.hasOwn(input, 'recorded_at')) {
    // Refused whatever else it holds; the rest is checked too, so every issue is reported.
    const { recorded_at: _, ...rest } = input
    const others = eventIssues(tenantId, rest, newId, shared, parsedJson)
    return {
      list: [
        { path: 'recorded_at', message: 'is set by the log when the event is sealed: omit it' },
        ...('list' in others ? others.list : []),
      ],
    }
  }
  // Not copied when it can be helped: V8 canonicalized a copy ({ ...input }) of a JSON.parse
  // object in the sealer at 10.5 µs per bench:sdk event, the object itself at 6.2 (side by side).
  const candidate = canFillIn(input, shared) ? input : { ...input }
  if (!Object.hasOwn(candidate, 'tenant_id')) candidate.tenant_id = tenantId
  if (!Object.hasOwn(candidate, 'id')) candidate.id = newId()
  const result = validateEvent(candidate, { parsedJson })
  return result.ok ? { event: candidate as unknown as AuditEvent } : { list: result.issues }
}

/**
 * Whether members can be added to `input` itself: a plain object (as JSON.parse makes), so no
 * inherited setter or read-only member is in the way, extensible, and listed once in the batch
 * (events listed twice must not share one object, and so one generated id).
 */
function canFillIn(input: Record<string, unknown>, shared: ReadonlySet<unknown>): boolean {
  const proto: unknown = Object.getPrototypeOf(input)
  return (
    (proto === Object.prototype || proto === null) &&
    Object.isExtensible(input) &&
    !shared.has(input)
  )
}

const NONE: ReadonlySet<unknown> = new Set()

/** The objects the batch lists more than once (never any in a parsed request body). */
function listedTwice(inputs: readonly unknown[]): ReadonlySet<unknown> {
  const seen = new Set<unknown>()
  const twice = new Set<unknown>()
  for (const input of inputs) {
    if (typeof input !== 'object' || input === null) continue
    if (seen.has(input)) twice.add(input)
    else seen.add(input)
  }
  return twice
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
