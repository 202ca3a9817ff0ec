// Reading a log from PostgreSQL a page at a time: the key carried from one page to the next
// must name the last row exactly, or a superuser can make a page skip rows. (The database
// source is PostgreSQL's: `auditseal verify --database-url`.)

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuditLog } from '../../src/store/index.js'
import { verifyLog } from '../../src/verify/run.js'
import { testAuditLog } from '../support/audit-log.js'
import { createPostgresDatabase, type PostgresTestDatabase } from '../support/databases.js'
import { makeEvent, makeEvents, newTenantId } from '../support/events.js'
import { insertForged } from './support/tamper.js'

describe('the database source, a page at a time', () => {
  let database: PostgresTestDatabase
  let log: AuditLog
  const tenant = newTenantId()

  beforeAll(async () => {
    database = await createPostgresDatabase()
    log = testAuditLog(database.db)
    await log.sealer.seal(tenant, makeEvents(tenant, 8))
    await log.checkpointer.runOnce()
  })
  afterAll(() => database?.drop())

  const verify = () =>
    verifyLog({
      source: { kind: 'database', databaseUrl: database.url, tenant, pageSize: 4 },
      vkey: log.keys.verifierKey(tenant),
    })

  it('reads every row when a page ends on a row dated before year 1', async () => {
    expect((await verify()).exitCode).toBe(0)
    await database.db.adminTransaction(async (sql) => {
      // A superuser's doing: a partition for any date, a copy of seq 3 dated the same day BC
      // (ordered first among the rows of seq 3, so the last of the first page: seqs 0, 1, 2
      // and it), and a forged event at seq 3 dated between the copy and the real one.
      await sql.query(
        'CREATE TABLE auditseal.audit_events_any PARTITION OF auditseal.audit_events DEFAULT',
      )
      await sql.query(
        `INSERT INTO auditseal.audit_events
         SELECT tenant_id, seq, id, type, outcome, actor_type, actor_id, target_type, target_id,
           occurred_at,
           (to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00 BC')::timestamptz,
           canonical, leaf_hash
         FROM auditseal.audit_events WHERE tenant_id = $1 AND seq = 3`,
        [tenant],
      )
      const forged = { ...makeEvent(tenant, 3), recorded_at: '1000-01-01T00:00:00.000Z' }
      await insertForged(sql, tenant, 3, forged)
    })

    const report = await verify()
    // All ten rows read: the BC copy's date keeps its era from one page to the next.
    expect(report.result.events).toBe(10)
    expect(report.exitCode).toBe(1)
    const atThree = report.findings.filter((f) => f.seq === 3 && f.severity === 'error')
    expect(atThree.length).toBeGreaterThan(0)
    // The copy's recorded_at column, read with its era, disagrees with its canonical text.
    expect(report.findings.map((f) => f.message)).toContainEqual(
      expect.stringMatching(/^column recorded_at is "[^"]*Z BC", the canonical text says/),
    )

    // A copy dated -infinity (which to_char writes as nothing) is the last of the next page:
    // seq 3's forged and real rows, 4, and it; reading goes on after it.
    await database.db.adminQuery(
      `INSERT INTO auditseal.audit_events
       SELECT tenant_id, seq, id, type, outcome, actor_type, actor_id, target_type, target_id,
         occurred_at, '-infinity', canonical, leaf_hash
       FROM auditseal.audit_events WHERE tenant_id = $1 AND seq = 5 AND recorded_at > '0001-01-01Z'`,
      [tenant],
    )
    const again = await verify()
    expect(again.result.events).toBe(11)
    expect(again.findings.map((f) => f.message)).toContainEqual(
      expect.stringMatching(/^column recorded_at is "-infinity"/),
    )
  })
})
