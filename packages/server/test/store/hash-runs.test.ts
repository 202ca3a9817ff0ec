// Stored tree hashes are runs (migration 0009): one row per seal. A log written before that
// migration has one hash per row — a run of one, after the column renames — and must keep
// proving, also once new seals append longer runs after them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fromHex, storedHashCount, verifyConsistency, verifyInclusion } from '@auditseal/core'
import type { AuditLog } from '../../src/store/index.js'
import { allRows, rebuildTree, testAuditLog } from '../support/audit-log.js'
import type { TestDatabase } from '../support/databases.js'
import { ENGINES } from '../support/databases.js'
import { makeEvents, newTenantId } from '../support/events.js'

describe.each(ENGINES)('stored hash runs on $name', ({ create }) => {
  let database: TestDatabase
  let log: AuditLog
  const tenant = newTenantId()
  const OLD = 37
  const TOTAL = 37 + 50 + 13

  beforeAll(async () => {
    database = await create()
    log = testAuditLog(database.db)
    await log.sealer.seal(tenant, makeEvents(tenant, 20))
    await log.sealer.seal(tenant, makeEvents(tenant, OLD - 20, 20))
    // Rewrite the first seals' rows as the sealer wrote them before 0009: one hash per row.
    await database.db.adminTransaction(async (sql) => {
      await sql.query('ALTER TABLE auditseal.audit_tree_nodes DISABLE TRIGGER ALL')
      const runs = await sql.query<{ first_idx: number | string; hashes: Uint8Array }>(
        'SELECT first_idx, hashes FROM auditseal.audit_tree_nodes WHERE tenant_id = $1',
        [tenant],
      )
      expect(runs.length).toBe(2)
      await sql.query('DELETE FROM auditseal.audit_tree_nodes WHERE tenant_id = $1', [tenant])
      for (const run of runs) {
        const first = Number(run.first_idx)
        for (let i = 0; i < run.hashes.length / 32; i++) {
          await sql.query(
            'INSERT INTO auditseal.audit_tree_nodes (tenant_id, first_idx, hashes) VALUES ($1, $2, $3)',
            [tenant, first + i, run.hashes.subarray(i * 32, (i + 1) * 32)],
          )
        }
      }
      await sql.query('ALTER TABLE auditseal.audit_tree_nodes ENABLE TRIGGER ALL')
    })
    await log.sealer.seal(tenant, makeEvents(tenant, 50, OLD))
    await log.sealer.seal(tenant, makeEvents(tenant, TOTAL - OLD - 50, OLD + 50))
  })
  afterAll(async () => database?.drop())

  it('stores single-hash rows for the old part and one run per later seal', async () => {
    const rows = await database.db.adminQuery<{ n: number }>(
      `SELECT octet_length(hashes) / 32 AS n FROM auditseal.audit_tree_nodes
       WHERE tenant_id = $1 ORDER BY first_idx`,
      [tenant],
    )
    const lengths = rows.map((r) => Number(r.n))
    expect(lengths.slice(0, storedHashCount(OLD)).every((n) => n === 1)).toBe(true)
    expect(lengths.length).toBe(storedHashCount(OLD) + 2)
    expect(lengths.slice(-2).every((n) => n > 1)).toBe(true)
  })

  it('proves every event at every size, across old rows and new runs', async () => {
    const rows = await allRows(database.db, tenant)
    const tree = rebuildTree(log, rows)
    const leaf = (seq: number) => fromHex(rows[seq]!.leafHash)
    for (const size of [1, 2, OLD - 1, OLD, OLD + 1, OLD + 50, TOTAL]) {
      const root = tree.root(size)
      for (let seq = 0; seq < size; seq++) {
        const proof = await log.reader.inclusionProof(tenant, seq, size)
        expect(() => verifyInclusion(log.hasher, seq, size, leaf(seq), proof, root)).not.toThrow()
      }
      for (const older of [1, OLD, OLD + 50]) {
        if (older >= size) continue
        const proof = await log.reader.consistencyProof(tenant, older, size)
        expect(() =>
          verifyConsistency(log.hasher, older, size, proof, tree.root(older), root),
        ).not.toThrow()
      }
    }
  })
})
