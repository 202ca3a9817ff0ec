// Events shared by the event tests. Each test copies and changes one thing, so a failure
// names exactly the rule it is about.
import type { AuditEvent } from '@auditseal/core'

/** Only the required members. */
export function minimalEvent(): AuditEvent {
  return {
    v: 1,
    id: '0190163d-8694-739b-aea5-966c26f8ad91',
    tenant_id: '3f2c1b8e-9d4a-4c6e-8f10-2a3b4c5d6e7f',
    type: 'device.created',
    outcome: 'success',
    occurred_at: '2024-06-12T08:30:00.123Z',
    actor: { type: 'user', id: 'user-123' },
  }
}

/** Every member, as a failed device creation in the gateway would log it. */
export function fullEvent(): AuditEvent {
  return {
    v: 1,
    id: '0190163d-8694-739b-aea5-966c26f8ad92',
    tenant_id: '3f2c1b8e-9d4a-4c6e-8f10-2a3b4c5d6e7f',
    type: 'device.creation_failed',
    outcome: 'failure',
    occurred_at: '2024-06-12T08:30:00.123Z',
    recorded_at: '2024-06-12T08:30:00.250Z',
    actor: { type: 'user', id: 'user-123', name: 'Ada Lovelace' },
    target: { type: 'device', id: 'SN-0042', name: 'Lobby sensor' },
    source: { ip: '2001:db8::1', user_agent: 'curl/8.5.0' },
    request_id: 'req-7f3a9c',
    error: { code: 'duplicate_serial', message: 'duplicate serial number' },
    data: { serial_number: 'SN-0042', attempt: 2, tags: ['a', '€', '😀'], nested: { ok: true } },
  }
}

/** `event` with some members replaced (a value of `undefined` stays, as an own property). */
export function withMembers(event: AuditEvent, changes: Record<string, unknown>): unknown {
  return { ...event, ...changes }
}

/** `event` without member `key`. */
export function withoutMember(event: AuditEvent, key: string): unknown {
  const copy: Record<string, unknown> = { ...event }
  delete copy[key]
  return copy
}
