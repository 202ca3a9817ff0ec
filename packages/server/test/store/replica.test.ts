// With a read URL, the audit log seals and signs on the primary and serves every read from
// the replica: the write pool never runs a reader transaction.
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyInclusion } from '@auditseal/core'
import { nodeCrypto } from '../../src/crypto/node-crypto.js'
import type { Database, Role, Store } from '../../src/db/index.js'
import { openStore } from '../../src/db/index.js'
import { AuditLog } from '../../src/store/index.js'
import {
  ADMIN_URL,
  createPostgresDatabase,
  type PostgresTestDatabase,
} from '../support/databases.js'
import { makeEvents, newTenantId } from '../support/events.js'
import { startReplica, type Replica } from '../support/replica.js'

/** Records the role of every transaction a database runs. */
function recordRoles(db: Database, roles: Role[]): Database {
  return {
    engine: db.engine,
    tenantTransaction: (role, tenant, fn) => {
      roles.push(role)
      return db.tenantTransaction(role, tenant, fn)
    },
    roleTransaction: (role, fn) => {
      roles.push(role)
      return db.roleTransaction(role, fn)
    },
    adminQuery: (text, params) => db.adminQuery(text, params),
    adminTransaction: (fn) => db.adminTransaction(fn),
    close: () => db.close(),
  }
}

describe('the audit log with a streaming replica', () => {
  let primary: PostgresTestDatabase
  let replica: Replica
  let store: Store

  beforeAll(async () => {
    primary = await createPostgresDatabase()
    replica = await startReplica({ primaryUrl: ADMIN_URL })
    store = await openStore({ writeUrl: primary.url, readUrl: replica.url(primary.name) })
  })
  afterAll(async () => {
    await store?.close()
    await replica?.stop()
    await primary?.drop()
  })

  it('writes to the primary, reads from the replica, and never reads through the write pool', async () => {
    const writeRoles: Role[] = []
    const readRoles: Role[] = []
    const log = new AuditLog({
      store: {
        write: recordRoles(store.write, writeRoles),
        read: recordRoles(store.read, readRoles),
        close: () => store.close(),
      },
      crypto: nodeCrypto,
      logName: 'replica.test',
      signingSeed: randomBytes(32),
    })
    const tenant = newTenantId()
    await log.sealer.seal(tenant, makeEvents(tenant, 50))
    const [checkpoint] = await log.checkpointer.runOnce()
    await replica.waitForReplay()

    const head = await log.reader.head(tenant)
    expect(head.treeSize).toBe(50)
    const page = await log.reader.listEvents(tenant, {}, { limit: 10, order: 'desc' })
    expect(page.events[0]?.seq).toBe(49)
    const latest = await log.reader.latestCheckpoint(tenant)
    expect(latest?.note).toBe(checkpoint?.note)
    const proof = await log.reader.inclusionProof(tenant, 7, 50)
    const seven = await log.reader.eventBySeq(tenant, 7)
    verifyInclusion(log.hasher, 7, 50, seven!.leafHash, proof, head.rootHash)

    expect(writeRoles.length).toBeGreaterThan(0)
    expect(writeRoles).not.toContain('reader')
    expect(readRoles.length).toBeGreaterThan(0)
    expect(readRoles.every((role) => role === 'reader')).toBe(true)
    // The reads really came from a server in recovery.
    const [row] = await store.read.adminQuery<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')
    expect(row?.r).toBe(true)
  })

  it('refuses writes on the read database', async () => {
    const tenant = newTenantId()
    const onReplica = new AuditLog({
      store: { write: store.read, read: store.read, close: async () => {} },
      crypto: nodeCrypto,
      logName: 'replica.test',
      signingSeed: randomBytes(32),
    })
    await expect(onReplica.sealer.seal(tenant, makeEvents(tenant, 1))).rejects.toThrow(/read-only/)
  })
})
