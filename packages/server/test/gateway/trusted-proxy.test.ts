// Behind a TLS-terminating proxy every connection comes from the proxy. With the proxy named in
// --trust-proxy, the client its X-Forwarded-For names is the event's source.ip and the key of
// the auth-audit bucket; without it, or from a socket that is not trusted, the header is
// ignored, so nobody can choose their own source address.

import type { AuditEvent } from '@auditseal/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPgliteDatabase } from '../support/databases.js'
import type { TestDatabase } from '../support/databases.js'
import { newTenantId } from '../support/events.js'
import type { Gateway } from './support.js'
import { eventsOf, startGateway, userToken } from './support.js'

const SYSTEM = '00000000-0000-0000-0000-000000000000'
const PROXY = '127.0.0.1'
const CLIENT = '203.0.113.7'
const OTHER_CLIENT = '203.0.113.8'
const STRANGER = '198.51.100.9'

describe('source addresses and a trusted proxy', () => {
  let database: TestDatabase
  let behindProxy: Gateway
  let direct: Gateway
  // Two auth events per address, then none: no refill while the clock stands still.
  const authAudit = {
    perIp: { capacity: 2, refillPerSecond: 1 },
    perTenant: { capacity: 1000, refillPerSecond: 1000 },
    now: () => 0,
  }

  beforeAll(async () => {
    database = await createPgliteDatabase()
    behindProxy = await startGateway(database.db, { config: { trustProxy: [PROXY] }, authAudit })
    direct = await startGateway(database.db, { authAudit })
  })
  afterAll(async () => {
    await behindProxy?.close()
    await direct?.close()
    await database?.drop()
  })

  /** An unauthenticated GET /devices (a 401: an auth event) tagged with its own user agent. */
  const unauthorized = (gateway: Gateway, agent: string, from: string, forwardedFor?: string) =>
    gateway.app.inject({
      url: '/devices',
      remoteAddress: from,
      headers: {
        'user-agent': agent,
        ...(forwardedFor !== undefined && { 'x-forwarded-for': forwardedFor }),
      },
    })

  /** The source of every auth event sent with this user agent. */
  async function authSources(gateway: Gateway, agent: string): Promise<(string | undefined)[]> {
    const events = await eventsOf(gateway, SYSTEM)
    return events.filter((e) => e.source?.user_agent === agent).map((e) => e.source?.ip)
  }

  describe('when the socket is a trusted proxy', () => {
    it("records the forwarded client as the source.ip of the gateway's events", async () => {
      const tenant = newTenantId()
      const response = await behindProxy.app.inject({
        method: 'POST',
        url: '/devices',
        remoteAddress: PROXY,
        headers: { ...(await userToken(tenant)), 'x-forwarded-for': CLIENT },
        payload: { serial_number: 'SN-PROXY-1' },
      })
      expect(response.statusCode).toBe(201)
      const [created] = await eventsOf(behindProxy, tenant)
      expect((created as AuditEvent).type).toBe('device.created')
      expect((created as AuditEvent).source?.ip).toBe(CLIENT)
    })

    it('records the forwarded client as the source.ip of auth events', async () => {
      expect((await unauthorized(behindProxy, 'ua-auth', PROXY, CLIENT)).statusCode).toBe(401)
      expect(await authSources(behindProxy, 'ua-auth')).toEqual([CLIENT])
    })

    it('takes the address the proxy appended, not one the client put before it', async () => {
      // The client sent "X-Forwarded-For: 192.0.2.66"; the proxy appended the client's address.
      await unauthorized(behindProxy, 'ua-chain', PROXY, `192.0.2.66, ${OTHER_CLIENT}`)
      expect(await authSources(behindProxy, 'ua-chain')).toEqual([OTHER_CLIENT])
    })

    it('gives each forwarded client its own auth-audit bucket', async () => {
      for (let i = 0; i < 5; i++) await unauthorized(behindProxy, 'ua-buckets', PROXY, '192.0.2.1')
      for (let i = 0; i < 5; i++) await unauthorized(behindProxy, 'ua-buckets', PROXY, '192.0.2.2')
      // Two of each: one client's flood does not use up the other's events.
      expect(await authSources(behindProxy, 'ua-buckets')).toEqual([
        '192.0.2.1',
        '192.0.2.1',
        '192.0.2.2',
        '192.0.2.2',
      ])
    })
  })

  describe('when the socket is not a trusted proxy', () => {
    it('ignores X-Forwarded-For: a client cannot choose its source.ip', async () => {
      await unauthorized(behindProxy, 'ua-spoof', STRANGER, CLIENT)
      expect(await authSources(behindProxy, 'ua-spoof')).toEqual([STRANGER])
    })
  })

  describe('without --trust-proxy', () => {
    it("ignores X-Forwarded-For and records the socket's address", async () => {
      await unauthorized(direct, 'ua-direct', PROXY, CLIENT)
      expect(await authSources(direct, 'ua-direct')).toEqual([PROXY])
    })

    it('counts every forwarded client in the one bucket of the socket', async () => {
      for (let i = 0; i < 5; i++) await unauthorized(direct, 'ua-one-bucket', STRANGER, '192.0.2.1')
      for (let i = 0; i < 5; i++) await unauthorized(direct, 'ua-one-bucket', STRANGER, '192.0.2.2')
      expect(await authSources(direct, 'ua-one-bucket')).toEqual([STRANGER, STRANGER])
    })
  })
})
