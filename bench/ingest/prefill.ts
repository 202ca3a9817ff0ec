// Fills one tenant's log with N events quickly, in SQL, to measure sealing at a large log
// size. The rows are synthetic (their hashes are not a real tree); what matters for the write
// path is the size of the tables and indexes it appends to, and a head of the right shape.
import { storedHashCount } from '@auditseal/core'
import type { Database } from '../../packages/server/src/db/index.js'

export async function prefillTenant(db: Database, tenantId: string, size: number): Promise<void> {
  const chunk = 1_000_000
  for (let start = 0; start < size; start += chunk) {
    const end = Math.min(size, start + chunk) - 1
    await db.adminQuery(
      `INSERT INTO auditseal.audit_events (tenant_id, seq, id, type, outcome, actor_type, actor_id,
         target_type, target_id, occurred_at, recorded_at, canonical, leaf_hash)
       SELECT $1::uuid, g, gen_random_uuid(), 'device.updated', 'success', 'user', 'user-' || (g % 97),
         'device', 'dev-' || (g % 1013), now() - interval '1 day', now(),
         '{"n":' || g || '}', sha256(int8send(g))
       FROM generate_series($2::bigint, $3::bigint) AS g`,
      [tenantId, start, end],
    )
  }
  await db.adminQuery(
    `INSERT INTO auditseal.audit_tree_nodes (tenant_id, first_idx, hashes)
     SELECT $1::uuid, g * 2048,
       (SELECT string_agg(sha256(int8send(h)), '' ORDER BY h)
        FROM generate_series(g * 2048, least(g * 2048 + 2047, $2::bigint - 1)) AS h)
     FROM generate_series(0, ($2::bigint - 1) / 2048) AS g`,
    [tenantId, storedHashCount(size)],
  )
  let ones = 0
  for (let v = size; v > 0; v = Math.floor(v / 2)) ones += v % 2
  await db.adminQuery(
    `INSERT INTO auditseal.audit_heads (tenant_id, size, root_hash, frontier, updated_at)
     VALUES ($1, $2, sha256('root'::bytea),
       ARRAY(SELECT sha256(int8send(g)) FROM generate_series(1, $3) AS g), now())`,
    [tenantId, size, ones],
  )
  await db.adminQuery(`ANALYZE auditseal.audit_events`)
}
