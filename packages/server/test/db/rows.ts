// Plain INSERTs of log rows for the storage tests (the sealer writes real ones). Each runs in
// the caller's transaction, as whatever role and tenant scope that transaction has.

import { randomUUID } from 'node:crypto'
import type { Sql } from '../../src/db/database.js'

export const TENANT_A = '0190a000-0000-7000-8000-00000000000a'
export const TENANT_B = '0190b000-0000-7000-8000-00000000000b'

export interface EventRow {
  seq: number
  type?: string
  actorId?: string
  targetId?: string
  occurredAt?: Date
  recordedAt?: Date
  text?: string
}

export async function insertEvent(sql: Sql, tenantId: string, row: EventRow): Promise<void> {
  const type = row.type ?? 'device.created'
  const canonical = JSON.stringify({ type, tenant_id: tenantId, note: row.text ?? 'hello' })
  await sql.query(
    `INSERT INTO auditseal.audit_events (tenant_id, seq, id, type, outcome, actor_type, actor_id,
       target_type, target_id, occurred_at, recorded_at, canonical, leaf_hash)
     VALUES ($1, $2, $3, $4, 'success', 'user', $5, 'device', $6, $7, $8, $9, $10)`,
    [
      tenantId,
      row.seq,
      randomUUID(),
      type,
      row.actorId ?? 'user-1',
      row.targetId ?? 'dev-1',
      row.occurredAt ?? new Date(),
      row.recordedAt ?? new Date(),
      canonical,
      new Uint8Array(32).fill(row.seq % 256),
    ],
  )
}

/** One event, one tree node, a head and a checkpoint for `tenantId`. */
export async function insertLogRows(sql: Sql, tenantId: string, size = 1): Promise<void> {
  for (let seq = 0; seq < size; seq++) await insertEvent(sql, tenantId, { seq })
  const hash = new Uint8Array(32).fill(7)
  await sql.query(
    'INSERT INTO auditseal.audit_tree_nodes (tenant_id, first_idx, hashes) VALUES ($1, 0, $2)',
    [tenantId, hash],
  )
  await sql.query(
    `INSERT INTO auditseal.audit_heads (tenant_id, size, root_hash, frontier, updated_at)
     VALUES ($1, $2, $3, $4, now())`,
    [tenantId, size, hash, [hash]],
  )
  await sql.query(
    `INSERT INTO auditseal.audit_checkpoints (tenant_id, tree_size, root_hash, note)
     VALUES ($1, $2, $3, 'note')`,
    [tenantId, size, hash],
  )
}

/** The log tables a tenant's rows live in. */
export const LOG_TABLES = [
  'audit_events',
  'audit_tree_nodes',
  'audit_heads',
  'audit_checkpoints',
] as const
