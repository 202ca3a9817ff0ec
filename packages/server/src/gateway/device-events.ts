// The device.* events of architecture §5, built from what the route knows. Every one carries
// the actor (the JWT user), the device as target, the source and the request id.

import type { AuditEvent, JsonObject, Target } from '@auditseal/core'
import type { Device, DeviceField } from './device-store.js'
import { DEVICE_FIELDS } from './device-store.js'
import type { EventContext } from './event-context.js'
import { clip, gatewayEvent } from './event-context.js'

export function deviceTarget(id: string, name?: string | null): Target {
  const target: Target = { type: 'device', id: clip(id) }
  if (typeof name === 'string' && name !== '') target.name = clip(name)
  return target
}

/** The device's fields that are set, as event data. */
function fieldsOf(device: Pick<Device, DeviceField>): JsonObject {
  const data: JsonObject = {}
  for (const field of DEVICE_FIELDS) {
    const value = device[field]
    if (value !== null && value !== undefined) data[field] = value
  }
  return data
}

export function deviceCreated(context: EventContext, device: Device): AuditEvent {
  return gatewayEvent(context, {
    type: 'device.created',
    outcome: 'success',
    target: deviceTarget(device.id, device.name),
    data: fieldsOf(device),
  })
}

/** `data.changes` = {field: {from, to}} for each field whose value changed (null = unset). */
export function changesBetween(before: Device, after: Device): JsonObject {
  const changes: JsonObject = {}
  for (const field of DEVICE_FIELDS) {
    if (before[field] !== after[field]) changes[field] = { from: before[field], to: after[field] }
  }
  return changes
}

export function deviceUpdated(context: EventContext, before: Device, after: Device): AuditEvent {
  return gatewayEvent(context, {
    type: 'device.updated',
    outcome: 'success',
    target: deviceTarget(after.id, after.name ?? before.name),
    data: { changes: changesBetween(before, after) },
  })
}

export function deviceDeleted(context: EventContext, device: Device): AuditEvent {
  return gatewayEvent(context, {
    type: 'device.deleted',
    outcome: 'success',
    target: deviceTarget(device.id, device.name),
    data: fieldsOf(device),
  })
}

/** What the client was told, as the event's error. */
export interface FailureInfo {
  code: string
  message: string
}

/**
 * A failed write: `device.creation_failed` for POST, or `device.updated` / `device.deleted`
 * with outcome failure. `requested` is the body's device fields that were strings or null.
 */
export function deviceFailure(
  context: EventContext,
  operation: 'create' | 'update' | 'delete',
  target: Target,
  error: FailureInfo,
  requested: JsonObject | undefined,
): AuditEvent {
  const type =
    operation === 'create'
      ? 'device.creation_failed'
      : operation === 'update'
        ? 'device.updated'
        : 'device.deleted'
  const event = gatewayEvent(context, {
    type,
    outcome: 'failure',
    target,
    error: { code: clip(error.code), message: clip(error.message) },
  })
  if (requested && Object.keys(requested).length > 0) event.data = { requested }
  return event
}

/** The device fields of a request body, for a failure event; anything else is left out. */
export function requestedFields(body: unknown): JsonObject | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined
  const requested: JsonObject = {}
  for (const field of DEVICE_FIELDS) {
    const value = (body as Record<string, unknown>)[field]
    if (typeof value === 'string') requested[field] = clip(value, 200)
    else if (value === null) requested[field] = null
  }
  return requested
}
