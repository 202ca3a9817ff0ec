// Reading stored Merkle hashes. They are stored in runs (migration 0009): a row holds the
// hashes of consecutive StoredHashIndex positions from `first_idx` on, 32 bytes each. Indexes
// scattered over the log (a proof's) are read one backward primary-key step each; indexes that
// lie close together (a page of leaves) are read as the runs that cover their span.

import { HASH_SIZE } from '@auditseal/core'
import type { Sql } from '../db/database.js'
import { StoreError } from './errors.js'
import { asBytes } from './hex.js'

/** Read whole runs when the span holds at most this many hashes per wanted index. */
const SPAN_PER_INDEX = 4

const SCATTERED_SQL = `SELECT i.idx, substring(n.hashes FROM ((i.idx - n.first_idx) * ${HASH_SIZE} + 1)::int FOR ${HASH_SIZE}) AS hash
  FROM unnest($2::bigint[]) AS i(idx)
  CROSS JOIN LATERAL (
    SELECT first_idx, hashes FROM auditseal.audit_tree_nodes
    WHERE tenant_id = $1 AND first_idx <= i.idx
    ORDER BY first_idx DESC LIMIT 1) AS n
  WHERE i.idx < n.first_idx + octet_length(n.hashes) / ${HASH_SIZE}`

// The run holding $2 (the last to start at or before it), and every run starting up to $3.
const SPAN_SQL = `SELECT first_idx, hashes FROM auditseal.audit_tree_nodes
  WHERE tenant_id = $1 AND first_idx <= $3::bigint AND first_idx >= coalesce(
    (SELECT max(first_idx) FROM auditseal.audit_tree_nodes WHERE tenant_id = $1 AND first_idx <= $2::bigint),
    0)
  ORDER BY first_idx`

/** The stored hashes at `indexes` that exist, by index. */
export async function readNodesAt(
  sql: Sql,
  tenantId: string,
  indexes: readonly number[],
): Promise<Map<number, Uint8Array>> {
  const wanted = [...new Set(indexes)]
  const found = new Map<number, Uint8Array>()
  if (wanted.length === 0) return found
  let low = wanted[0] as number
  let high = low
  for (const index of wanted) {
    if (index < low) low = index
    if (index > high) high = index
  }
  if (high - low + 1 > SPAN_PER_INDEX * wanted.length + 64) {
    const rows = await sql.query<{ idx: number | string; hash: unknown }>(SCATTERED_SQL, [
      tenantId,
      wanted,
    ])
    for (const row of rows) found.set(Number(row.idx), asBytes(row.hash))
    return found
  }
  const runs = await sql.query<{ first_idx: number | string; hashes: unknown }>(SPAN_SQL, [
    tenantId,
    low,
    high,
  ])
  const want = new Set(wanted)
  for (const run of runs) {
    const first = Number(run.first_idx)
    const hashes = asBytes(run.hashes)
    for (let i = 0; i < hashes.length / HASH_SIZE; i++) {
      if (want.has(first + i)) {
        found.set(first + i, hashes.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE))
      }
    }
  }
  return found
}

/** The stored hashes at `indexes`, in that order; every one must exist. */
export async function readNodes(
  sql: Sql,
  tenantId: string,
  indexes: readonly number[],
): Promise<Uint8Array[]> {
  if (indexes.length === 0) return []
  const byIndex = await readNodesAt(sql, tenantId, indexes)
  return indexes.map((index) => {
    const hash = byIndex.get(index)
    if (!hash) {
      // Either a replica has not caught up yet, or a stored hash was removed.
      throw new StoreError(
        'NOT_YET_REPLICATED',
        `stored tree hash ${index} of tenant ${tenantId} is not available (yet)`,
      )
    }
    return hash
  })
}
