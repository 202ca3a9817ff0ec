// An event id stored twice (a rewritten copy put in around the sealer by whoever owns the
// database): the API does not choose which of the two is "the" event. Reading it by id,
// proving it, or acknowledging it sent again is the log's integrity error, naming both seqs in
// the server's log; the other events are served as before.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuditEvent } from '@auditseal/core'
import type { TestDatabase } from '../support/databases.js'
import { ENGINES } from '../support/databases.js'
import { makeEvents } from '../support/events.js'
import { canonicalAt, insertForged } from '../verify/support/tamper.js'
import type { TestApp } from './support.js'
import { apiError, json, startTestApp } from './support.js'

describe.each(ENGINES)('an event id stored twice, on $name', ({ create }) => {
  let database: TestDatabase
  let t: TestApp
  let events: AuditEvent[]
  const logLines: { err?: { message?: string } }[] = []

  beforeAll(async () => {
    database = await create()
    t = await startTestApp(database.db, {
      logger: {
        level: 'error',
        stream: { write: (line: string) => logLines.push(JSON.parse(line) as never) },
      },
    })
    events = makeEvents(t.tenant, 10)
    await t.log.sealer.seal(t.tenant, events)
    await database.db.adminTransaction(async (sql) => {
      const original = JSON.parse(await canonicalAt(sql, t.tenant, 3)) as AuditEvent
      const copy = { ...original, actor: { ...original.actor, id: 'mallory' } }
      await insertForged(sql, t.tenant, 10, copy)
    })
  })
  afterAll(async () => {
    await t?.close()
    await database?.drop()
  })

  it.each(['', '/proof'])('GET /v1/events/{id}%s is log_inconsistent (500)', async (path) => {
    const response = await t.app.inject({
      url: `/v1/events/${events[3]!.id}${path}`,
      headers: t.auth.read,
    })
    expect(response.statusCode).toBe(500)
    expect(apiError(response).code).toBe('log_inconsistent')
    const logged = logLines.find((line) => line.err?.message?.includes(events[3]!.id))
    expect(logged?.err?.message).toContain('is stored at seq 3 and at seq 10')
  })

  it('an event sent again with that id is not acknowledged from either copy (500)', async () => {
    const post = (events: AuditEvent[]) =>
      t.app.inject({
        method: 'POST',
        url: '/v1/events',
        headers: t.auth.ingest,
        payload: { events },
      })
    const again = await post([events[3]!])
    expect(again.statusCode).toBe(500)
    expect(apiError(again).code).toBe('log_inconsistent')
    // Other events, new or sent again, go on.
    expect((await post([events[5]!])).statusCode).toBe(201)
    expect((await post(makeEvents(t.tenant, 1, 10))).statusCode).toBe(201)
  })

  it('serves every other event as before', async () => {
    const response = await t.app.inject({
      url: `/v1/events/${events[4]!.id}`,
      headers: t.auth.read,
    })
    expect(response.statusCode).toBe(200)
    expect(json<{ id: string; seq: number }>(response)).toMatchObject({ id: events[4]!.id, seq: 4 })
  })
})
