// Realistic events for the ingest benchmark: ~500 bytes canonical, varied types and actors.
import { randomUUID } from 'node:crypto'
import type { AuditEvent } from '@auditseal/core'
import { uuidv7 } from '@auditseal/core'

const TYPES = ['device.created', 'device.updated', 'device.deleted', 'auth.forbidden']

export function benchEvents(tenantId: string, count: number): AuditEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    v: 1,
    id: uuidv7(),
    tenant_id: tenantId,
    type: TYPES[i % TYPES.length] as string,
    outcome: 'success',
    occurred_at: new Date(Date.now() - (count - i)).toISOString(),
    actor: { type: 'user', id: `user-${i % 97}`, name: 'Bench User' },
    target: { type: 'device', id: `dev-${i % 1013}`, name: `Sensor ${i % 1013}` },
    source: { ip: '198.51.100.23', user_agent: 'bench/1.0' },
    request_id: randomUUID(),
    data: { changes: { name: { from: `Sensor ${i}`, to: `Sensor ${i + 1}` } }, firmware: '2.4.1' },
  }))
}
