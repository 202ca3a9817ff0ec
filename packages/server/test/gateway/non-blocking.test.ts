// The request never waits for the audit write: with a sealer that is stuck, the gateway still
// answers at once; the event is sealed when the sealer comes back.

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createPgliteDatabase } from '../support/databases.js'
import type { TestDatabase } from '../support/databases.js'
import { newTenantId } from '../support/events.js'
import type { Gateway } from './support.js'
import { eventsOf, startGateway, userToken } from './support.js'

describe('a device request and its audit write', () => {
  let database: TestDatabase
  let gateway: Gateway
  let release: () => void = () => {}
  const stuck = new Promise<void>((resolve) => (release = resolve))
  let sealsStarted = 0

  beforeAll(async () => {
    database = await createPgliteDatabase()
    gateway = await startGateway(database.db, {
      seal: (real) => async (tenantId, events) => {
        sealsStarted++
        await stuck // the database is very slow today
        return real(tenantId, events)
      },
    })
  })
  afterAll(async () => {
    release()
    await gateway?.close()
    await database?.drop()
  })

  it('answers before the event is sealed', async () => {
    const tenant = newTenantId()
    const headers = await userToken(tenant)
    const response = await gateway.app.inject({
      method: 'POST',
      url: '/devices',
      headers,
      payload: { serial_number: 'FAST-1' },
    })
    expect(response.statusCode).toBe(201)

    // The request has its answer while the seal of its event is under way, and stuck.
    await vi.waitFor(() => expect(sealsStarted).toBe(1), { timeout: 10_000 })
    expect(gateway.sink.stats().pending).toBe(1)
    expect(await gateway.log.reader.head(tenant)).toMatchObject({ treeSize: 0 })

    release()
    const events = await eventsOf(gateway, tenant)
    expect(events.map((e) => e.type)).toEqual(['device.created'])
  })
})
