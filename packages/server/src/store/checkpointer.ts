// Signs a C2SP checkpoint for every tenant whose tree grew. Before signing it recomputes the
// root from the stored hashes (the head row is only a cache) and proves the new tree
// consistent with the previous checkpoint: the log never signs two inconsistent checkpoints.
// With a checkpoint directory, each signed note is also written outside the database.

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
import { CheckpointFiles } from './checkpoint-files.js'
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
  private readonly files: CheckpointFiles | undefined

  constructor(
    private readonly db: Database,
    private readonly hasher: TreeHasher,
    private readonly keys: LogKeys,
    private readonly options: CheckpointerOptions = {},
  ) {
    if (options.checkpointDir !== undefined) {
      this.files = new CheckpointFiles(options.checkpointDir, (error) => this.report(error))
    }
  }

  /**
   * Signs checkpoints for every tenant whose tree grew and returns them. A tenant whose tree
   * fails the checks is reported through onError and skipped; the others still get signed.
   */
  async runOnce(): Promise<StoredCheckpoint[]> {
    const batchSize = this.options.batchSize ?? 1000
    const signed: StoredCheckpoint[] = []
    const failed = new Set<string>()
    await this.files?.retry()
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
          this.report(error)
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
      // Signed and committed: a directory that cannot be written is reported, and the note
      // written on a later pass; the checkpoint is answered all the same.
      await this.files?.write(result.checkpoint).catch((error: unknown) => this.report(error))
      this.options.onSigned?.(result.checkpoint)
    }
    return result?.checkpoint
  }

  private report(error: unknown): void {
    this.options.onError?.(error)
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
    if (previous && previous.treeSize > size) {
      throw new StoreError(
        'LOG_CORRUPT',
        `tenant ${tenantId}: the head's size ${size} is behind the checkpoint at ${previous.treeSize}; not signing`,
      )
    }
    if (previous && previous.treeSize === size) {
      if (!constantTimeEqual(previous.rootHash, asBytes(head.root_hash))) {
        throw new StoreError(
          'LOG_CORRUPT',
          `tenant ${tenantId}: the head's root differs from the checkpoint at size ${size}; not signing`,
        )
      }
      return { checkpoint: previous, isNew: false }
    }
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
        .catch((error: unknown) => this.report(error))
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
