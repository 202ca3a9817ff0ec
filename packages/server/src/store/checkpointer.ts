// Signs a C2SP checkpoint for every tenant whose tree grew. Before signing it recomputes the
// root from the stored hashes (the head row is only a cache) and proves the new tree
// consistent with the previous checkpoint: the log never signs two inconsistent checkpoints.
// With a checkpoint directory, each signed note is also written outside the database.

import { mkdir, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { TreeHasher } from '@auditseal/core'
import {
  constantTimeEqual,
  consistencyProofFromStored,
  consistencyProofIndexes,
  signCheckpoint,
  treeHashFromStored,
  treeHashIndexes,
  verifyConsistency,
} from '@auditseal/core'
import type { Database, Sql } from '../db/database.js'
import { StoreError } from './errors.js'
import { asBytes, hashToHex } from './hex.js'
import type { LogKeys } from './log-keys.js'
import { readNodes } from './nodes.js'

export interface StoredCheckpoint {
  tenantId: string
  treeSize: number
  rootHash: Uint8Array
  note: string
}

export interface CheckpointerOptions {
  /** How often to look for grown trees: at most one checkpoint per tenant per interval. */
  intervalMs?: number
  /** Where to write `<dir>/<tenant_id>/<size>` and `<dir>/<tenant_id>/latest`. */
  checkpointDir?: string
  /** Tenants handled per pass, so one pass stays short. */
  batchSize?: number
  onError?: (error: unknown) => void
  /** Told of every checkpoint signed, by the loop or on demand (metrics use it). */
  onSigned?: (checkpoint: StoredCheckpoint) => void
}

export class Checkpointer {
  private timer: NodeJS.Timeout | undefined
  private running: Promise<unknown> = Promise.resolve()

  constructor(
    private readonly db: Database,
    private readonly hasher: TreeHasher,
    private readonly keys: LogKeys,
    private readonly options: CheckpointerOptions = {},
  ) {}

  /**
   * Signs checkpoints for every tenant whose tree grew and returns them. A tenant whose tree
   * fails the checks is reported through onError and skipped; the others still get signed.
   */
  async runOnce(): Promise<StoredCheckpoint[]> {
    const batchSize = this.options.batchSize ?? 1000
    const signed: StoredCheckpoint[] = []
    const failed = new Set<string>()
    for (;;) {
      const pending = await this.db.roleTransaction('writer', (sql) =>
        sql.query<{ tenant_id: string }>(
          `SELECT tenant_id::text AS tenant_id FROM auditseal.tenants_needing_checkpoint($1)`,
          [batchSize + failed.size],
        ),
      )
      const todo = pending.filter((p) => !failed.has(p.tenant_id))
      for (const { tenant_id } of todo) {
        try {
          const checkpoint = await this.checkpointTenant(tenant_id)
          if (checkpoint) signed.push(checkpoint)
        } catch (error) {
          failed.add(tenant_id)
          this.options.onError?.(error)
        }
      }
      if (pending.length < batchSize + failed.size || todo.length === 0) return signed
    }
  }

  /**
   * Signs a checkpoint of the tenant's current tree if it grew since the last one, and
   * returns the tenant's latest checkpoint (undefined for a tenant with no events).
   */
  async checkpointTenant(tenantId: string): Promise<StoredCheckpoint | undefined> {
    const result = await this.db.tenantTransaction('writer', tenantId, (sql) =>
      this.signLocked(sql, tenantId),
    )
    if (result?.isNew) {
      if (this.options.checkpointDir) {
        await writeCheckpointFile(this.options.checkpointDir, result.checkpoint)
      }
      this.options.onSigned?.(result.checkpoint)
    }
    return result?.checkpoint
  }

  private async signLocked(
    sql: Sql,
    tenantId: string,
  ): Promise<{ checkpoint: StoredCheckpoint; isNew: boolean } | undefined> {
    // Locking the head keeps sealers and other checkpointers out while we read the tree.
    const [head] = await sql.query<{ size: number | string; root_hash: unknown }>(
      `SELECT size, root_hash FROM auditseal.audit_heads WHERE tenant_id = $1 FOR UPDATE`,
      [tenantId],
    )
    if (!head) return undefined
    const size = Number(head.size)
    const [latest] = await sql.query<{
      tree_size: number | string
      root_hash: unknown
      note: string
    }>(
      `SELECT tree_size, root_hash, note FROM auditseal.audit_checkpoints
       WHERE tenant_id = $1 ORDER BY tree_size DESC LIMIT 1`,
      [tenantId],
    )
    const previous = latest && {
      tenantId,
      treeSize: Number(latest.tree_size),
      rootHash: asBytes(latest.root_hash),
      note: latest.note,
    }
    if (previous && previous.treeSize >= size) return { checkpoint: previous, isNew: false }
    if (size === 0) return undefined

    const root = treeHashFromStored(
      this.hasher,
      size,
      await readNodes(sql, tenantId, treeHashIndexes(size)),
    )
    if (!constantTimeEqual(root, asBytes(head.root_hash))) {
      throw new StoreError(
        'LOG_CORRUPT',
        `tenant ${tenantId}: the head's root differs from the stored tree at size ${size}; not signing`,
      )
    }
    if (previous) {
      const proof = consistencyProofFromStored(
        this.hasher,
        previous.treeSize,
        size,
        await readNodes(sql, tenantId, consistencyProofIndexes(previous.treeSize, size)),
      )
      try {
        verifyConsistency(this.hasher, previous.treeSize, size, proof, previous.rootHash, root)
      } catch (error) {
        throw new StoreError(
          'LOG_CORRUPT',
          `tenant ${tenantId}: size ${size} is not consistent with the checkpoint at ${previous.treeSize} (${String(error)}); not signing`,
        )
      }
    }
    const note = signCheckpoint(this.keys.signer(tenantId), {
      origin: this.keys.origin(tenantId),
      size,
      rootHash: root,
    })
    await sql.query(
      `INSERT INTO auditseal.audit_checkpoints (tenant_id, tree_size, root_hash, note)
       VALUES ($1, $2, decode($3, 'hex'), $4)`,
      [tenantId, size, hashToHex(root), note],
    )
    await sql.query(`UPDATE auditseal.audit_heads SET checkpoint_size = $2 WHERE tenant_id = $1`, [
      tenantId,
      size,
    ])
    return { checkpoint: { tenantId, treeSize: size, rootHash: root, note }, isNew: true }
  }

  /** Starts signing every `intervalMs` (default 1 s) until stop(). */
  start(): void {
    if (this.timer) return
    const interval = this.options.intervalMs ?? 1000
    const tick = () => {
      this.running = this.runOnce()
        .catch((error: unknown) => this.options.onError?.(error))
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, interval)
        })
    }
    this.timer = setTimeout(tick, interval)
  }

  /** Stops the loop, waits for a pass in progress, and signs a final checkpoint pass. */
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    await this.running
    await this.runOnce()
  }
}

/** Writes the note as `<dir>/<tenant>/<size>` and replaces `latest`, each atomically. */
async function writeCheckpointFile(dir: string, checkpoint: StoredCheckpoint): Promise<void> {
  const tenantDir = join(dir, checkpoint.tenantId)
  await mkdir(tenantDir, { recursive: true })
  for (const name of [String(checkpoint.treeSize), 'latest']) {
    const temporary = join(tenantDir, `.${name}.${process.pid}.tmp`)
    await writeFile(temporary, checkpoint.note, { mode: 0o644 })
    await rename(temporary, join(tenantDir, name))
  }
}
