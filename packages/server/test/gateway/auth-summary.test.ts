// Counts of auth events the buckets held back are never dropped: a count that no later event
// of its tenant carries is written as an `auth.suppressed` event — once a minute, at close(),
// and when the tenant is pushed out of the bounded map.

import type { AuditEvent } from '@auditseal/core'
import { SYSTEM_TENANT_ID, validateEvent } from '@auditseal/core'
import type { FastifyRequest } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import type { AuditSink } from '../../src/audit-queue/sink.js'
import { noopSink } from '../../src/audit-queue/sink.js'
import { AuthFailureAuditor } from '../../src/gateway/auth-audit.js'

/** A sink that keeps what it is given. */
function recordingSink(): AuditSink & { events: AuditEvent[] } {
  const events: AuditEvent[] = []
  return { ...noopSink(), events, log: (event) => void events.push(event) }
}

function request(ip: string): FastifyRequest {
  return {
    id: 'req-1',
    ip,
    method: 'GET',
    url: '/devices?x=1',
    headers: { 'user-agent': 'flood' },
    routeOptions: { url: '/devices' },
  } as unknown as FastifyRequest
}

const TENANT = '0190b6a4-7e5c-7000-8000-00000000a0a0'
const forbidden = (ip: string, tenantId = TENANT) => ({
  status: 403,
  code: 'forbidden',
  reason: 'needs the operator role',
  request: request(ip),
  principal: { kind: 'jwt' as const, tenantId, subject: 'mallory', roles: [] },
})
const unauthorized = (ip: string) => ({
  status: 401,
  code: 'unauthorized',
  reason: 'no Authorization header',
  request: request(ip),
})

const summaries = (events: readonly AuditEvent[]) =>
  events.filter((e) => e.type === 'auth.suppressed')

let auditor: AuthFailureAuditor | undefined
afterEach(() => auditor?.close())

describe('auth.suppressed summaries', () => {
  it('writes each tenant’s held-back count as one valid event, then starts again from 0', () => {
    const sink = recordingSink()
    auditor = new AuthFailureAuditor(sink, { perIp: { capacity: 2, refillPerSecond: 0 } })
    for (let i = 0; i < 5; i++) auditor.record(unauthorized('198.51.100.7'))
    for (let i = 0; i < 4; i++) auditor.record(forbidden('198.51.100.8'))
    expect(sink.events).toHaveLength(4) // two per address
    auditor.writeHeldBack()
    const written = summaries(sink.events)
    expect(written.map((e) => [e.tenant_id, e.data])).toEqual([
      [SYSTEM_TENANT_ID, { suppressed: 3 }],
      [TENANT, { suppressed: 2 }],
    ])
    for (const event of written) {
      expect(validateEvent(event).ok).toBe(true)
      expect(event).toMatchObject({
        outcome: 'failure',
        actor: { type: 'system', id: 'auditseal' },
        target: { type: 'http_server', id: 'auditseal' },
      })
      expect(event.request_id).toBeUndefined() // no one request caused it
    }
    auditor.writeHeldBack()
    expect(summaries(sink.events)).toHaveLength(2) // nothing held back since
  })

  it('counts a held-back failure once: in a summary or in the next event, never both', () => {
    const sink = recordingSink()
    let now = 0
    auditor = new AuthFailureAuditor(sink, {
      perIp: { capacity: 1, refillPerSecond: 1 },
      now: () => now,
    })
    auditor.record(unauthorized('198.51.100.7'))
    auditor.record(unauthorized('198.51.100.7'))
    auditor.writeHeldBack()
    now += 1000
    auditor.record(unauthorized('198.51.100.7'))
    expect(sink.events.map((e) => [e.type, e.data?.suppressed])).toEqual([
      ['auth.unauthorized', undefined],
      ['auth.suppressed', 1],
      ['auth.unauthorized', undefined],
    ])
  })

  it('writes them on its own every summaryIntervalMs', async () => {
    const sink = recordingSink()
    auditor = new AuthFailureAuditor(sink, {
      perIp: { capacity: 1, refillPerSecond: 0 },
      summaryIntervalMs: 20,
    })
    for (let i = 0; i < 3; i++) auditor.record(unauthorized('198.51.100.7'))
    await expect.poll(() => summaries(sink.events).map((e) => e.data)).toEqual([{ suppressed: 2 }])
  })

  it('writes them at close()', () => {
    const sink = recordingSink()
    auditor = new AuthFailureAuditor(sink, { perIp: { capacity: 1, refillPerSecond: 0 } })
    for (let i = 0; i < 3; i++) auditor.record(unauthorized('198.51.100.7'))
    auditor.close()
    expect(summaries(sink.events).map((e) => e.data)).toEqual([{ suppressed: 2 }])
  })

  it('writes a tenant’s count when the bounded map pushes the tenant out', () => {
    const sink = recordingSink()
    auditor = new AuthFailureAuditor(sink, { perIp: { capacity: 0, refillPerSecond: 0 } })
    const tenant = (i: number) => `0190b6a4-7e5c-7000-8000-${i.toString(16).padStart(12, '0')}`
    auditor.record(forbidden('198.51.100.7', tenant(0)))
    auditor.record(forbidden('198.51.100.7', tenant(0)))
    for (let i = 1; i <= 10_000; i++) auditor.record(forbidden('198.51.100.7', tenant(i)))
    expect(summaries(sink.events).map((e) => [e.tenant_id, e.data])).toEqual([
      [tenant(0), { suppressed: 2 }],
    ])
    expect(auditor.stats()).toEqual({ recorded: 0, suppressed: 10_002 })
  })
})
