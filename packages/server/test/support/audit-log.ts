// An AuditLog over one test database, with a fixed signing seed and helpers that recompute
// everything from the events themselves.
import { randomBytes } from 'node:crypto'
import { MemoryHashStore, canonicalJson, toHex, utf8 } from '@auditseal/core'
import type { AuditEvent } from '@auditseal/core'
import { nodeCrypto } from '../../src/crypto/node-crypto.js'
import type { Database } from '../../src/db/database.js'
import { AuditLog } from '../../src/store/index.js'
import type { CheckpointerOptions } from '../../src/store/index.js'

export function testAuditLog(
  db: Database,
  options: {
    checkpointDir?: string
    onSigned?: CheckpointerOptions['onSigned']
    onError?: CheckpointerOptions['onError']
  } = {},
): AuditLog {
  return new AuditLog({
    store: { write: db, read: db, close: () => db.close() },
    crypto: nodeCrypto,
    logName: 'test.auditseal.local',
    signingSeed: randomBytes(32),
    checkpoints: {
      ...(options.checkpointDir !== undefined && { checkpointDir: options.checkpointDir }),
      ...(options.onSigned !== undefined && { onSigned: options.onSigned }),
      ...(options.onError !== undefined && { onError: options.onError }),
    },
  })
}

export interface StoredRow {
  seq: number
  id: string
  canonical: string
  leafHash: string
}

/** Every event row of a tenant, as the superuser sees it (no RLS), in seq order. */
export async function allRows(db: Database, tenantId: string): Promise<StoredRow[]> {
  const rows = await db.adminQuery<{
    seq: number
    id: string
    canonical: string
    leaf_hash: Uint8Array
  }>(
    `SELECT seq, id::text AS id, canonical, leaf_hash FROM auditseal.audit_events
     WHERE tenant_id = $1 ORDER BY seq`,
    [tenantId],
  )
  return rows.map((r) => ({
    seq: Number(r.seq),
    id: r.id,
    canonical: r.canonical,
    leafHash: toHex(r.leaf_hash),
  }))
}

/**
 * Rebuilds the tenant's tree from the canonical text of its events (not from stored hashes)
 * and checks every stored leaf hash on the way; returns the tree.
 */
export function rebuildTree(log: AuditLog, rows: readonly StoredRow[]): MemoryHashStore {
  const tree = new MemoryHashStore(log.hasher)
  rows.forEach((row, i) => {
    if (row.seq !== i) throw new Error(`seq ${row.seq} at position ${i}: the log has a gap`)
    const leaf = log.hasher.leafHash(utf8(row.canonical))
    if (toHex(leaf) !== row.leafHash) throw new Error(`leaf hash of seq ${row.seq} differs`)
    tree.append([leaf])
  })
  return tree
}

/** The leaf hash the log must have given an event, computed from the event alone. */
export function expectedLeafHash(log: AuditLog, event: AuditEvent, recordedAt: string): string {
  return toHex(log.hasher.leafHash(utf8(canonicalJson({ ...event, recorded_at: recordedAt }))))
}
