// Reading stored Merkle hashes: one batched query for all the indexes a planner asked for.

import type { Sql } from '../db/database.js'
import { StoreError } from './errors.js'
import { asBytes } from './hex.js'

export async function readNodes(
  sql: Sql,
  tenantId: string,
  indexes: readonly number[],
): Promise<Uint8Array[]> {
  if (indexes.length === 0) return []
  const rows = await sql.query<{ idx: number | string; hash: unknown }>(
    `SELECT idx, hash FROM auditseal.audit_tree_nodes WHERE tenant_id = $1 AND idx = ANY($2::bigint[])`,
    [tenantId, [...new Set(indexes)]],
  )
  const byIndex = new Map(rows.map((r) => [Number(r.idx), asBytes(r.hash)]))
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
