// Events for tests: small, valid, numbered (data.n), without a tenant unless asked.
import type { AuditEventInput } from '../../src/index.js'

export function testEvent(n: number, extra: Partial<AuditEventInput> = {}): AuditEventInput {
  return {
    type: 'device.updated',
    outcome: 'success',
    actor: { type: 'user', id: `user-${n % 7}` },
    target: { type: 'device', id: `dev-${n % 13}` },
    source: { ip: '203.0.113.7', user_agent: 'sdk-test/1.0' },
    request_id: `req-${n}`,
    data: { n, changes: { name: { from: 'a', to: 'b' } } },
    ...extra,
  }
}

/** Resolves when `condition` holds, polling every few ms; rejects after `timeoutMs`. */
export async function eventually(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}
