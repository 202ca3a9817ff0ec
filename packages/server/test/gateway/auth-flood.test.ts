// A flood of refused requests must not flood the log: auth events pass a token bucket per
// source IP and one per tenant, and what they hold back is counted and reported.

import type { AuditEvent } from '@auditseal/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPgliteDatabase } from '../support/databases.js'
import type { TestDatabase } from '../support/databases.js'
import type { Gateway } from './support.js'
import { eventsOf, startGateway } from './support.js'

const SYSTEM = '00000000-0000-0000-0000-000000000000'

describe('auth events under a flood of 401s', () => {
  let database: TestDatabase
  let gateway: Gateway
  let now = Date.parse('2026-01-01T00:00:00Z')

  beforeAll(async () => {
    database = await createPgliteDatabase()
    gateway = await startGateway(database.db, {
      authAudit: {
        perIp: { capacity: 10, refillPerSecond: 1 },
        perTenant: { capacity: 100, refillPerSecond: 10 },
        now: () => now,
      },
    })
  })
  afterAll(async () => {
    await gateway?.close()
    await database?.drop()
  })

  const unauthorized = (ip: string) =>
    gateway.app.inject({ url: '/devices', remoteAddress: ip, headers: { 'user-agent': 'flood' } })

  it('records a bounded number of events per source IP and counts the rest', async () => {
    const responses = await Promise.all(
      Array.from({ length: 500 }, () => unauthorized('198.51.100.7')),
    )
    expect(responses.every((r) => r.statusCode === 401)).toBe(true)
    const recorded = (await eventsOf(gateway, SYSTEM)).filter(
      (e) => e.source?.ip === '198.51.100.7',
    )
    expect(recorded).toHaveLength(10) // the burst; then nothing until the bucket refills
    expect(gateway.auditor.stats()).toEqual({ recorded: 10, suppressed: 490 })

    // Three seconds later three more fit; the first says how many were held back before it.
    now += 3000
    for (let i = 0; i < 5; i++) await unauthorized('198.51.100.7')
    const later = (await eventsOf(gateway, SYSTEM)).filter((e) => e.source?.ip === '198.51.100.7')
    expect(later).toHaveLength(13)
    expect((later[10] as AuditEvent).data).toEqual({
      method: 'GET',
      path: '/devices',
      suppressed: 490,
    })
    expect((later[11] as AuditEvent).data).toEqual({ method: 'GET', path: '/devices' })
    expect(gateway.auditor.stats()).toEqual({ recorded: 13, suppressed: 492 })
  })

  it('caps the total per tenant when the flood comes from many addresses', async () => {
    now += 60_000 // every bucket full again
    const before = (await eventsOf(gateway, SYSTEM)).length
    const ips = Array.from({ length: 400 }, (_, i) => `203.0.113.${i % 250}`)
    await Promise.all(ips.map((ip) => unauthorized(ip)))
    const recorded = (await eventsOf(gateway, SYSTEM)).length - before
    expect(recorded).toBe(100) // the system tenant's burst, though every IP had tokens left
  })
})
