// Fills one tenant's log with N events quickly, in SQL, to measure sealing at a large log
// size. The rows are synthetic (their hashes are not a real tree); what matters for the write
// path is the size of the tables and indexes it appends to, and a head of the right shape.
import { storedHashCount } from '@auditseal/core'
import type { Database } from '../../packages/server/src/db/index.js'

// UUIDv7 ids (the only ids validation accepts), from a day ago on, one millisecond apart: the
// first 48 bits are the time, then version 7, then a random v4's remaining bits.
const UUIDV7_A_DAY_AGO = `(SELECT (substr(t, 1, 8) || '-' || substr(t, 9, 4) || '-7' ||
    substr(r, 16, 3) || substr(r, 19))::uuid
  FROM (SELECT lpad(to_hex((extract(epoch FROM now()) * 1000)::bigint - 86400000 + g), 12, '0')
    AS t, gen_random_uuid()::text AS r) AS parts)`

export async function prefillTenant(db: Database, tenantId: string, size: number): Promise<void> {
  const chunk = 1_000_000
  for (let start = 0; start < size; start += chunk) {
    const end = Math.min(size, start + chunk) - 1
    await db.adminQuery(
      `INSERT INTO auditseal.audit_events (tenant_id, seq, id, type, outcome, actor_type, actor_id,
         target_type, target_id, occurred_at, recorded_at, canonical, leaf_hash)
       SELECT $1::uuid, g, ${UUIDV7_A_DAY_AGO}, 'device.updated', 'success', 'user', 'user-' || (g % 97),
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
