// The head keeps the highest event id of the log (migration 0011): only ids at or below it
// are looked up for duplicates. These tests check the lookup is skipped only when it may be.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTreeHasher } from '@auditseal/core'
import { nodeCrypto } from '../../src/crypto/node-crypto.js'
import type { Database } from '../../src/db/database.js'
import { DEDUPE_SQL, Sealer } from '../../src/store/sealer.js'
import { allRows } from '../support/audit-log.js'
import type { TestDatabase } from '../support/databases.js'
import { ENGINES } from '../support/databases.js'
import { makeEvent, makeEvents, newTenantId } from '../support/events.js'
import { wrapTenantSql } from '../support/wrap-sql.js'

/** `db`, recording the ids each dedupe lookup asks for. */
function recordingLookups(db: Database, lookups: string[][]): Database {
  return wrapTenantSql(db, (sql) => ({
    query: (text, params) => {
      if (text === DEDUPE_SQL) lookups.push(String(params?.[1]).split(','))
      return sql.query(text, params)
    },
  }))
}

describe.each(ENGINES)('the dedupe lookup on $name', ({ create }) => {
  let database: TestDatabase
  let sealer: Sealer
  const lookups: string[][] = []

  beforeAll(async () => {
    database = await create()
    sealer = new Sealer(recordingLookups(database.db, lookups), createTreeHasher(nodeCrypto))
  })
  afterAll(async () => database?.drop())

  const maxId = async (tenant: string) =>
    (
      await database.db.adminQuery<{ max_id: string | null }>(
        `SELECT max_id::text FROM auditseal.audit_heads WHERE tenant_id = $1`,
        [tenant],
      )
    )[0]?.max_id

  it('is skipped for ids above the highest in the log, and asked for the others', async () => {
    const tenant = newTenantId()
    const late = makeEvent(tenant, 0) // its UUIDv7 id is older than the batches below
    const first = makeEvents(tenant, 5, 1)
    const second = makeEvents(tenant, 5, 6)
    lookups.length = 0
    await sealer.seal(tenant, first)
    await sealer.seal(tenant, second)
    expect(lookups).toEqual([]) // an empty log, then ids all above its highest
    expect(await maxId(tenant)).toBe(second[4]!.id)

    const retried = [second[2]!, late, first[0]!, second[4]!, makeEvent(tenant, 20)]
    const sealed = await sealer.seal(tenant, retried)
    expect(lookups).toEqual([retried.slice(0, 4).map((e) => e.id)])
    expect(sealed.map((s) => [s.status, s.seq])).toEqual([
      ['duplicate', 7],
      ['created', 10],
      ['duplicate', 0],
      ['duplicate', 9],
      ['created', 11],
    ])
    expect(await allRows(database.db, tenant)).toHaveLength(12)
  })

  it('still finds duplicates when the head does not know its highest id (before 0011)', async () => {
    const tenant = newTenantId()
    const events = makeEvents(tenant, 8)
    await sealer.seal(tenant, events)
    await database.db.adminQuery(
      `UPDATE auditseal.audit_heads SET max_id = NULL WHERE tenant_id = $1`,
      [tenant],
    )
    const retried = await sealer.seal(tenant, [...events.slice(5), makeEvent(tenant, 9)])
    expect(retried.map((s) => s.status)).toEqual(['duplicate', 'duplicate', 'duplicate', 'created'])
    expect(await allRows(database.db, tenant)).toHaveLength(9)
    expect(await maxId(tenant)).toBe(retried[3]!.id)
  })

  it('does not trust a highest id written at another log size (a sealer of an earlier release moved the head)', async () => {
    const tenant = newTenantId()
    const first = makeEvents(tenant, 3)
    await sealer.seal(tenant, first)
    const [before] = await database.db.adminQuery<{ max_id: string; size: string }>(
      `SELECT max_id::text, size::text FROM auditseal.audit_heads WHERE tenant_id = $1`,
      [tenant],
    )
    const later = makeEvents(tenant, 2, 3)
    await sealer.seal(tenant, later)
    // What a sealer that does not know max_id leaves: the events appended and the size moved,
    // max_id (and the size it was written at) as they were.
    await database.db.adminQuery(
      `UPDATE auditseal.audit_heads SET max_id = $2, max_id_size = $3 WHERE tenant_id = $1`,
      [tenant, before!.max_id, before!.size],
    )
    lookups.length = 0
    const retried = await sealer.seal(tenant, [later[1]!, makeEvent(tenant, 9)])
    expect(retried.map((s) => [s.status, s.seq])).toEqual([
      ['duplicate', 4],
      ['created', 5],
    ])
    expect(lookups).toEqual([[later[1]!.id]])
    expect(await allRows(database.db, tenant)).toHaveLength(6)
    expect(await maxId(tenant)).toBe(retried[1]!.id)
  })
})
