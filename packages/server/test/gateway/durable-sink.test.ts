// The gateway's default sink keeps what the log cannot take: events logged while the database
// is down survive a shutdown in the spool and are sealed, exactly once, by the next sink on
// the same directory (the next `auditseal serve` on the same data dir).
import { mkdtemp, rm } from 'node:fs/promises'
import type { AuditEvent } from '@auditseal/core'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { DurableSink } from '../../src/audit-queue/durable-sink.js'
import type { AuditLog } from '../../src/store/index.js'
import { allRows, testAuditLog } from '../support/audit-log.js'
import { createPgliteDatabase, type TestDatabase } from '../support/databases.js'
import { makeEvents, newTenantId } from '../support/events.js'

const quiet = { warn: () => {}, error: () => {} }
const sealInto = (log: AuditLog) => (tenantId: string, events: AuditEvent[]) =>
  log.sealer.seal(tenantId, events)

describe('DurableSink', () => {
  let database: TestDatabase
  let log: AuditLog
  let dir: string

  beforeAll(async () => {
    database = await createPgliteDatabase()
    log = testAuditLog(database.db)
    dir = await mkdtemp(join(tmpdir(), 'auditseal-durable-sink-'))
  })
  afterAll(async () => {
    await database?.drop()
    await rm(dir, { recursive: true, force: true })
  })

  it('keeps events the log refused through a shutdown and seals them on the next start', async () => {
    const spoolDir = join(dir, 'outage')
    const tenant = newTenantId()
    const events = makeEvents(tenant, 50)
    let attempts = 0
    const down = () => {
      attempts++
      return Promise.reject(
        Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' }),
      )
    }
    const first = new DurableSink({ seal: down, spoolDir, logger: quiet, closeTimeoutMs: 300 })
    for (const event of events) first.log(event)
    await vi.waitFor(() => expect(attempts).toBeGreaterThan(0), { timeout: 10_000 })
    await expect(first.close()).resolves.toBeUndefined()
    expect(first.stats()).toMatchObject({ pending: 50, sealed: 0, rejected: 0 })

    const second = new DurableSink({ seal: sealInto(log), spoolDir, logger: quiet })
    await second.flush()
    expect(second.stats()).toMatchObject({ pending: 0, sealed: 50 })
    await second.close()
    const rows = await allRows(database.db, tenant)
    expect(rows.map((r) => r.id)).toEqual(events.map((e) => e.id))
  })

  it('counts an invalid event and events after close instead of throwing', async () => {
    const errors: string[] = []
    const sink = new DurableSink({
      seal: sealInto(log),
      spoolDir: join(dir, 'counts'),
      logger: { ...quiet, error: (message) => errors.push(message) },
    })
    const [event] = makeEvents(newTenantId(), 1)
    expect(() => sink.log({ ...event!, type: 'Not A Type' })).not.toThrow()
    expect(() => sink.log({ ...event!, type: 'Not A Type Either' })).not.toThrow()
    // Reported, once a minute at most: an action whose event is refused goes unaudited.
    expect(errors).toEqual([
      expect.stringMatching(
        /^audit: 1 event\(s\) refused as invalid and not sealed \(the latest Not A Type: .*type/,
      ),
    ])
    sink.log(event!)
    await sink.flush()
    await sink.close()
    // What the minute held back is reported at close, with its count.
    expect(errors).toHaveLength(2)
    expect(errors[1]).toContain(
      'audit: 1 event(s) refused as invalid and not sealed (the latest Not A Type Either: ',
    )
    expect(() => sink.log(event!)).not.toThrow()
    expect(sink.stats()).toMatchObject({ invalid: 2, sealed: 1, refusedClosed: 1, pending: 0 })
  })

  it('sets aside for good an event the database refuses as data, and seals the others', async () => {
    const tenant = newTenantId()
    const events = makeEvents(tenant, 20)
    const poisoned = events[7]!.id
    // As PostgreSQL answers a value it cannot store (SQLSTATE class 22): sending the same
    // event again would fail again, so it must not hold up the spool behind it.
    const seal = (tenantId: string, batch: AuditEvent[]) =>
      batch.some((e) => e.id === poisoned)
        ? Promise.reject(
            Object.assign(new Error('date/time field value out of range'), { code: '22008' }),
          )
        : log.sealer.seal(tenantId, batch)
    const sink = new DurableSink({
      seal,
      spoolDir: join(dir, 'poisoned'),
      logger: quiet,
      lingerMs: 0,
    })
    for (const event of events) sink.log(event)
    await sink.flush()
    await sink.close()
    expect(sink.stats()).toMatchObject({ sealed: 19, rejected: 1, pending: 0 })
    const stored = (await allRows(database.db, tenant)).map((r) => r.id)
    expect(stored).toHaveLength(19)
    expect(stored).not.toContain(poisoned)
  })
})
