// Valid events for tests, varied enough to exercise every indexed column.
import { randomUUID } from 'node:crypto'
import type { AuditEvent } from '@auditseal/core'
import { uuidv7 } from '@auditseal/core'

export const newTenantId = (): string => randomUUID()

const TYPES = ['device.created', 'device.updated', 'device.deleted', 'auth.forbidden', 'user.login']

export function makeEvent(
  tenantId: string,
  i: number,
  overrides: Partial<AuditEvent> = {},
): AuditEvent {
  const failed = i % 7 === 3
  const event: AuditEvent = {
    v: 1,
    id: uuidv7(),
    tenant_id: tenantId,
    type: TYPES[i % TYPES.length] as string,
    outcome: failed ? 'failure' : 'success',
    occurred_at: new Date(Date.UTC(2026, 10, 1) + i * 60_000).toISOString(),
    actor: { type: 'user', id: `user-${i % 5}`, name: `User ${i % 5}` },
    target: { type: 'device', id: `dev-${i % 11}` },
    source: { ip: '203.0.113.7', user_agent: 'test-agent/1.0' },
    request_id: `req-${i}`,
    data: { n: i, note: `event number ${i}`, nested: { list: [i, 'x', true, null] } },
    ...overrides,
  }
  if (failed) event.error = { code: 'E_TEST', message: `failure ${i}` }
  return event
}

export function makeEvents(tenantId: string, count: number, offset = 0): AuditEvent[] {
  return Array.from({ length: count }, (_, i) => makeEvent(tenantId, offset + i))
}
