// The in-process transport into the real Sealer on PostgreSQL, as `auditseal serve` would host
// it: the gateway's events go through the spool and are sealed without HTTP.
import { randomBytes, randomUUID } from 'node:crypto'
import { AuditLog, nodeCrypto } from '@auditseal/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPostgresDatabase } from '../../server/test/support/databases.js'
import type { PostgresTestDatabase } from '../../server/test/support/databases.js'
import { createAuditLogger, createInProcessTransport } from '../src/index.js'
import { testEvent } from './support/events.js'
import { tempDir } from './support/temp.js'

let database: PostgresTestDatabase
beforeAll(async () => {
  database = await createPostgresDatabase()
})
afterAll(() => database.drop())

describe('the in-process transport into the real sealer', () => {
  it('seals each tenant’s events into its own log, exactly once, with the receipts the log holds', async () => {
    const db = database.db
    const log = new AuditLog({
      store: { write: db, read: db, close: async () => {} },
      crypto: nodeCrypto,
      logName: 'sdk-test.auditseal.local',
      signingSeed: randomBytes(32),
    })
    const [a, b] = [randomUUID(), randomUUID()]
    const spoolDir = tempDir()
    const audit = createAuditLogger({
      transport: createInProcessTransport((tenantId, events) => log.sealer.seal(tenantId, events)),
      spoolDir,
      tenantId: a,
      logger: false,
    })
    for (let i = 0; i < 3000; i++) audit.log(testEvent(i, i % 3 === 0 ? { tenant_id: b } : {}))
    const receipt = await audit.logSync(testEvent(3000))
    await audit.close()

    const counts = await db.adminQuery<{
      tenant: string
      rows: number
      ids: number
      max_seq: number
    }>(
      `SELECT tenant_id::text AS tenant, count(*)::int AS rows, count(DISTINCT id)::int AS ids,
              max(seq)::int AS max_seq
       FROM auditseal.audit_events WHERE tenant_id = ANY($1::uuid[]) GROUP BY 1`,
      [[a, b]],
    )
    expect(Object.fromEntries(counts.map((c) => [c.tenant, c]))).toEqual({
      [a]: { tenant: a, rows: 2001, ids: 2001, max_seq: 2000 },
      [b]: { tenant: b, rows: 1000, ids: 1000, max_seq: 999 },
    })
    const [row] = await db.adminQuery<{ seq: number; leaf_hash: Uint8Array }>(
      `SELECT seq, leaf_hash FROM auditseal.audit_events WHERE tenant_id = $1 AND id = $2`,
      [a, receipt.id],
    )
    expect(receipt).toEqual({
      id: receipt.id,
      seq: row?.seq,
      leaf_hash: Buffer.from(row?.leaf_hash as Uint8Array).toString('base64'),
      status: 'created',
    })

    // A second logger on the spool finds nothing left to send.
    const again = createAuditLogger({
      transport: createInProcessTransport((tenantId, events) => log.sealer.seal(tenantId, events)),
      spoolDir,
      tenantId: a,
      logger: false,
    })
    await again.ready
    expect(again.stats().recovered).toBe(0)
    await again.close()
  })
})
