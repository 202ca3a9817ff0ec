// The events of the SDK benchmark: what a gateway logs per request, ~450 bytes of JSON, with
// no tenant_id (the API key names the tenant) and no id or occurred_at (the SDK fills them).
import type { AuditEventInput } from '../../packages/sdk/src/index.js'

const TYPES = ['device.created', 'device.updated', 'device.deleted', 'auth.forbidden']

export function gatewayEvent(i: number): AuditEventInput {
  return {
    type: TYPES[i % TYPES.length] as string,
    outcome: 'success',
    actor: { type: 'user', id: `user-${i % 97}`, name: 'Bench User' },
    target: { type: 'device', id: `dev-${i % 1013}`, name: `Sensor ${i % 1013}` },
    source: { ip: '198.51.100.23', user_agent: 'Mozilla/5.0 (X11; Linux x86_64) bench/1.0' },
    request_id: `req-${i}`,
    data: { changes: { name: { from: `Sensor ${i}`, to: `Sensor ${i + 1}` } }, firmware: '2.4.1' },
  }
}
