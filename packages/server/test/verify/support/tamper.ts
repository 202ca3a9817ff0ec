// What an attacker with the database's superuser (or owner) password can do to the log, as
// SQL: switch the append-only triggers off, change rows, recompute whatever hashes they like,
// and sign checkpoints if they hold a key. Each helper says what it forges.

import type { AuditEvent, Signer } from '@auditseal/core'
import {
  EMPTY_FRONTIER,
  appendLeaves,
  canonicalJson,
  createTreeHasher,
  frontierRoot,
  signCheckpoint,
  storedHashIndex,
  utf8,
} from '@auditseal/core'
import { nodeCrypto } from '../../../src/crypto/node-crypto.js'
import type { AdminSql, Database } from '../../../src/db/database.js'
import { queryColumns } from '../../support/query-columns.js'

export const hasher = createTreeHasher(nodeCrypto)

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')

/**
 * Runs `tamper` in one transaction as the superuser with every trigger of the auditseal
 * tables and partitions disabled (the triggers are ENABLE ALWAYS, so session_replication_role
 * would not silence them), then enables them again.
 */
export async function withTriggersDisabled(
  db: Database,
  tamper: (sql: AdminSql) => Promise<void>,
): Promise<void> {
  await db.adminTransaction(async (sql) => {
    const tables = await sql.query<{ name: string }>(
      `SELECT c.oid::regclass::text AS name FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'auditseal' AND c.relkind IN ('r', 'p') AND c.relname LIKE 'audit\\_%'`,
    )
    for (const { name } of tables) await sql.query(`ALTER TABLE ${name} DISABLE TRIGGER ALL`)
    await tamper(sql)
    for (const { name } of tables) await sql.query(`ALTER TABLE ${name} ENABLE TRIGGER ALL`)
  })
}

/** Replaces `from` by `to` in the canonical text of one event (nothing else changes). */
export async function editCanonical(
  sql: AdminSql,
  tenant: string,
  seq: number,
  from: string,
  to: string,
): Promise<void> {
  const rows = await sql.query(
    `UPDATE auditseal.audit_events SET canonical = replace(canonical, $3, $4)
     WHERE tenant_id = $1 AND seq = $2 AND strpos(canonical, $3) > 0 RETURNING seq`,
    [tenant, seq, from, to],
  )
  if (rows.length !== 1) throw new Error(`seq ${seq} does not contain ${from}`)
}

/** The stored canonical text of one event. */
export async function canonicalAt(sql: AdminSql, tenant: string, seq: number): Promise<string> {
  const [row] = await sql.query<{ canonical: string }>(
    `SELECT canonical FROM auditseal.audit_events WHERE tenant_id = $1 AND seq = $2`,
    [tenant, seq],
  )
  if (!row) throw new Error(`no event at seq ${seq}`)
  return row.canonical
}

/** Sets every leaf_hash column to the hash of its row's (possibly edited) canonical text. */
export async function rehashEvents(sql: AdminSql, tenant: string): Promise<void> {
  const rows = await sql.query<{ seq: number; canonical: string }>(
    `SELECT seq, canonical FROM auditseal.audit_events WHERE tenant_id = $1`,
    [tenant],
  )
  await sql.query(
    `UPDATE auditseal.audit_events e SET leaf_hash = decode(r.h, 'hex')
     FROM unnest($2::bigint[], $3::text[]) AS r(s, h)
     WHERE e.tenant_id = $1 AND e.seq = r.s AND e.leaf_hash <> decode(r.h, 'hex')`,
    [tenant, rows.map((r) => r.seq), rows.map((r) => hex(hasher.leafHash(utf8(r.canonical))))],
  )
}

/**
 * Rebuilds the tenant's stored tree and head from its events as they now are, and removes its
 * checkpoints; with a signer, signs and stores a fresh checkpoint of the rebuilt tree.
 */
export async function rebuildTree(
  sql: AdminSql,
  tenant: string,
  signer?: Signer,
): Promise<{ size: number; root: Uint8Array }> {
  const rows = await sql.query<{ leaf_hash: Uint8Array }>(
    `SELECT leaf_hash FROM auditseal.audit_events WHERE tenant_id = $1 ORDER BY seq`,
    [tenant],
  )
  const { frontier, stored } = appendLeaves(
    hasher,
    EMPTY_FRONTIER,
    rows.map((r) => r.leaf_hash),
  )
  const root = frontierRoot(hasher, frontier)
  await sql.query(`DELETE FROM auditseal.audit_tree_nodes WHERE tenant_id = $1`, [tenant])
  await sql.query(
    `INSERT INTO auditseal.audit_tree_nodes (tenant_id, first_idx, hashes)
     SELECT $1, n.idx, decode(n.h, 'hex') FROM unnest($2::bigint[], $3::text[]) AS n(idx, h)`,
    [tenant, stored.map((s) => s.index), stored.map((s) => hex(s.hash))],
  )
  await sql.query(
    `UPDATE auditseal.audit_heads SET size = $2, root_hash = decode($3, 'hex'), checkpoint_size = 0,
       frontier = ARRAY(SELECT decode(f, 'hex') FROM unnest($4::text[]) WITH ORDINALITY AS t(f, i) ORDER BY i)
     WHERE tenant_id = $1`,
    [tenant, frontier.size, hex(root), frontier.hashes.map(hex)],
  )
  await sql.query(`DELETE FROM auditseal.audit_checkpoints WHERE tenant_id = $1`, [tenant])
  if (signer) {
    const note = signCheckpoint(signer, {
      origin: signer.name,
      size: frontier.size,
      rootHash: root,
    })
    await sql.query(
      `INSERT INTO auditseal.audit_checkpoints (tenant_id, tree_size, root_hash, note) VALUES ($1, $2, $3, $4)`,
      [tenant, frontier.size, root, note],
    )
  }
  return { size: frontier.size, root }
}

/** Inserts a forged event at `seq` with every column and its leaf hash right. */
export async function insertForged(
  sql: AdminSql,
  tenant: string,
  seq: number,
  event: AuditEvent,
): Promise<void> {
  const canonical = canonicalJson(event)
  await sql.query(
    `INSERT INTO auditseal.audit_events (tenant_id, seq, id, type, outcome, actor_type, actor_id,
       target_type, target_id, occurred_at, recorded_at, canonical, leaf_hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    [
      tenant,
      seq,
      event.id,
      ...queryColumns(event),
      event.occurred_at,
      event.recorded_at,
      canonical,
      hasher.leafHash(utf8(canonical)),
    ],
  )
}

/** Moves every event from `from` on by `by` seqs (through negative seqs: the key is unique). */
export async function shiftSeqs(
  sql: AdminSql,
  tenant: string,
  from: number,
  by: number,
): Promise<void> {
  await sql.query(
    `UPDATE auditseal.audit_events SET seq = -seq - 1 WHERE tenant_id = $1 AND seq >= $2`,
    [tenant, from],
  )
  await sql.query(
    `UPDATE auditseal.audit_events SET seq = -seq - 1 + $2 WHERE tenant_id = $1 AND seq < 0`,
    [tenant, by],
  )
}

/** Replaces the leaf the stored tree holds for `seq` (inside the run that holds it). */
export async function setStoredLeaf(
  sql: AdminSql,
  tenant: string,
  seq: number,
  leaf: Uint8Array,
): Promise<void> {
  await sql.query(
    `UPDATE auditseal.audit_tree_nodes
     SET hashes = overlay(hashes PLACING $3::bytea FROM ($2::bigint - first_idx)::int * 32 + 1)
     WHERE tenant_id = $1 AND first_idx = (SELECT max(first_idx) FROM auditseal.audit_tree_nodes
       WHERE tenant_id = $1 AND first_idx <= $2::bigint)`,
    [tenant, storedHashIndex(0, seq), leaf],
  )
}

/** Deletes the event at `seq`. */
export async function deleteEvent(sql: AdminSql, tenant: string, seq: number): Promise<void> {
  await sql.query(`DELETE FROM auditseal.audit_events WHERE tenant_id = $1 AND seq = $2`, [
    tenant,
    seq,
  ])
}
