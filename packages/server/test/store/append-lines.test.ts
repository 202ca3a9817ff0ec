// The sealer sends a batch's canonical texts as the lines of one text, split by PostgreSQL and
// walked beside the query columns. RFC 8785 never writes a raw line feed, but were one to slip
// into the texts, the split would yield one row more than the columns: this checks that such
// a statement stores nothing at all (the padded row's NULL id fails it) rather than rows whose
// text and columns belong to different events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTreeHasher } from '@auditseal/core'
import { nodeCrypto } from '../../src/crypto/node-crypto.js'
import { TextBytes } from '../../src/db/binary-params.js'
import type { Database } from '../../src/db/database.js'
import { Sealer } from '../../src/store/sealer.js'
import { allRows } from '../support/audit-log.js'
import type { TestDatabase } from '../support/databases.js'
import { ENGINES } from '../support/databases.js'
import { makeEvents, newTenantId } from '../support/events.js'
import { wrapTenantSql } from '../support/wrap-sql.js'

/** `db`, with a raw line feed written into the first canonical text of each append. */
function splittingTexts(db: Database): Database {
  return wrapTenantSql(db, (sql) => ({
    query: (text, params) => {
      const texts = params?.[3]
      if (!text.startsWith('WITH appended AS') || !(texts instanceof TextBytes)) {
        return sql.query(text, params)
      }
      const bytes = Buffer.from(texts.bytes)
      bytes[bytes.indexOf(',')] = 0x0a // the first event's text, cut in two lines
      return sql.query(text, [...params!.slice(0, 3), new TextBytes(bytes), ...params!.slice(4)])
    },
  }))
}

describe.each(ENGINES)('a stray line feed in the texts on $name', ({ create }) => {
  let database: TestDatabase

  beforeAll(async () => {
    database = await create()
  })
  afterAll(async () => database?.drop())

  it('fails the whole seal: no event, no hash, the head unmoved', async () => {
    const tenant = newTenantId()
    const hasher = createTreeHasher(nodeCrypto)
    const honest = new Sealer(database.db, hasher)
    await honest.seal(tenant, makeEvents(tenant, 3))

    const broken = new Sealer(splittingTexts(database.db), hasher)
    await expect(broken.seal(tenant, makeEvents(tenant, 4, 3))).rejects.toThrow(/null value/i)
    expect((await allRows(database.db, tenant)).map((r) => r.seq)).toEqual([0, 1, 2])
    const [head] = await database.db.adminQuery<{ size: number }>(
      'SELECT size FROM auditseal.audit_heads WHERE tenant_id = $1',
      [tenant],
    )
    expect(head?.size).toBe(3)

    // The log goes on where it was.
    const next = await honest.seal(tenant, makeEvents(tenant, 2, 7))
    expect(next.map((e) => e.seq)).toEqual([3, 4])
  })
})
