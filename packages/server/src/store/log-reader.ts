// The read side of the store: events, listings, exports, tree heads, checkpoints and proofs.
// Everything runs as the reader role, scoped to one tenant, on the read database (a replica
// when one is configured).

import type { TreeHasher } from '@auditseal/core'
import {
  consistencyProofFromStored,
  consistencyProofIndexes,
  inclusionProofFromStored,
  inclusionProofIndexes,
} from '@auditseal/core'
import type { Database } from '../db/database.js'
import { decodeCursor, encodeCursor } from './cursor.js'
import type { Order } from './cursor.js'
import { idStoredTwice, StoreError } from './errors.js'
import { filterConditions } from './event-filter.js'
import type { EventFilter } from './event-filter.js'
import { EVENT_COLUMNS, toStoredEvent } from './event-rows.js'
import type { EventRow, StoredEvent } from './event-rows.js'
import { asBytes } from './hex.js'
import { readNodes } from './nodes.js'

export interface LogHead {
  treeSize: number
  rootHash: Uint8Array
}

export interface CheckpointRow {
  treeSize: number
  rootHash: Uint8Array
  createdAt: Date
  note: string
}

export interface EventPage {
  events: StoredEvent[]
  nextCursor: string | null
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

export class LogReader {
  constructor(
    private readonly db: Database,
    private readonly hasher: TreeHasher,
  ) {}

  async head(tenantId: string): Promise<LogHead> {
    const [row] = await this.db.tenantTransaction('reader', tenantId, (sql) =>
      sql.query<{ size: number | string; root_hash: unknown }>(
        `SELECT size, root_hash FROM auditseal.audit_heads WHERE tenant_id = $1`,
        [tenantId],
      ),
    )
    if (!row) return { treeSize: 0, rootHash: this.hasher.emptyRoot() }
    return { treeSize: Number(row.size), rootHash: asBytes(row.root_hash) }
  }

  /**
   * The event with this id. The sealer seals an id once; a second row with it was put in
   * around the sealer (a rewritten copy appended, say), and which of the two is "the" event
   * is then not the reader's to choose: LOG_CORRUPT, naming both seqs.
   */
  async eventById(tenantId: string, id: string): Promise<StoredEvent | undefined> {
    if (!UUID.test(id)) return undefined
    // LIMIT 2 without ORDER BY: ordering by seq could make the planner walk the tenant's
    // events in seq order instead of probing the (tenant_id, id) index.
    const rows = await this.db.tenantTransaction('reader', tenantId, (sql) =>
      sql.query<EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM auditseal.audit_events
         WHERE tenant_id = $1 AND id = $2 LIMIT 2`,
        [tenantId, id],
      ),
    )
    const events = rows.map(toStoredEvent)
    if (events.length > 1)
      throw idStoredTwice(
        tenantId,
        id,
        events.map((e) => e.seq),
      )
    return events[0]
  }

  async eventBySeq(tenantId: string, seq: number): Promise<StoredEvent | undefined> {
    const [row] = await this.db.tenantTransaction('reader', tenantId, (sql) =>
      sql.query<EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM auditseal.audit_events WHERE tenant_id = $1 AND seq = $2`,
        [tenantId, seq],
      ),
    )
    return row && toStoredEvent(row)
  }

  /** One page of events matching `filter`, newest first unless order is 'asc'. */
  async listEvents(
    tenantId: string,
    filter: EventFilter,
    page: { limit: number; cursor?: string | undefined; order: Order },
  ): Promise<EventPage> {
    const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor, page.order)
    const rows = await this.db.tenantTransaction('reader', tenantId, (sql) => {
      const params: unknown[] = [tenantId]
      const where = ['tenant_id = $1']
      filterConditions(filter, where, params)
      if (after !== undefined) {
        params.push(after)
        where.push(`seq ${page.order === 'desc' ? '<' : '>'} $${params.length}`)
      }
      params.push(page.limit + 1)
      return sql.query<EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM auditseal.audit_events WHERE ${where.join(' AND ')}
         ORDER BY seq ${page.order === 'desc' ? 'DESC' : 'ASC'} LIMIT $${params.length}`,
        params,
      )
    })
    const events = rows.slice(0, page.limit).map(toStoredEvent)
    const last = events[events.length - 1]
    const nextCursor = rows.length > page.limit && last ? encodeCursor(page.order, last.seq) : null
    return { events, nextCursor }
  }

  /**
   * Every event matching `filter`, in seq order, fetched a page at a time: memory stays at one
   * page whatever the size, and a slow consumer slows the reads (backpressure).
   */
  async *exportEvents(
    tenantId: string,
    filter: EventFilter,
    pageSize = 1000,
  ): AsyncGenerator<StoredEvent> {
    let cursor: string | undefined
    do {
      const page = await this.listEvents(tenantId, filter, {
        limit: pageSize,
        cursor,
        order: 'asc',
      })
      yield* page.events
      cursor = page.nextCursor ?? undefined
    } while (cursor !== undefined)
  }

  async latestCheckpoint(tenantId: string): Promise<CheckpointRow | undefined> {
    const { checkpoints } = await this.checkpoints(tenantId, { limit: 1 })
    return checkpoints[0]
  }

  /** Checkpoints newest first; `before` is a tree size from a previous page. */
  async checkpoints(
    tenantId: string,
    page: { limit: number; before?: number | undefined; atSize?: number | undefined },
  ): Promise<{ checkpoints: CheckpointRow[]; nextBefore: number | null }> {
    const rows = await this.db.tenantTransaction('reader', tenantId, (sql) => {
      const params: unknown[] = [tenantId]
      const where = ['tenant_id = $1']
      if (page.before !== undefined) {
        params.push(page.before)
        where.push(`tree_size < $${params.length}`)
      }
      if (page.atSize !== undefined) {
        params.push(page.atSize)
        where.push(`tree_size = $${params.length}`)
      }
      params.push(page.limit + 1)
      return sql.query<{
        tree_size: number | string
        root_hash: unknown
        created_at: Date | string
        note: string
      }>(
        `SELECT tree_size, root_hash, created_at, note FROM auditseal.audit_checkpoints
         WHERE ${where.join(' AND ')} ORDER BY tree_size DESC LIMIT $${params.length}`,
        params,
      )
    })
    const checkpoints = rows.slice(0, page.limit).map((r) => ({
      treeSize: Number(r.tree_size),
      rootHash: asBytes(r.root_hash),
      createdAt: new Date(r.created_at),
      note: r.note,
    }))
    const last = checkpoints[checkpoints.length - 1]
    return { checkpoints, nextBefore: rows.length > page.limit && last ? last.treeSize : null }
  }

  /** The inclusion proof of leaf `seq` in the tenant's tree of `treeSize` leaves. */
  async inclusionProof(tenantId: string, seq: number, treeSize: number): Promise<Uint8Array[]> {
    await this.assertTreeSize(tenantId, treeSize)
    if (seq >= treeSize) {
      throw new StoreError(
        'TREE_SIZE_OUT_OF_RANGE',
        `event seq ${seq} is not in the tree of size ${treeSize}`,
      )
    }
    const indexes = inclusionProofIndexes(treeSize, seq)
    const hashes = await this.db.tenantTransaction('reader', tenantId, (sql) =>
      readNodes(sql, tenantId, indexes),
    )
    return inclusionProofFromStored(this.hasher, treeSize, seq, hashes)
  }

  /** The consistency proof from the tenant's tree of size `from` to size `to`. */
  async consistencyProof(tenantId: string, from: number, to: number): Promise<Uint8Array[]> {
    if (from > to) {
      throw new StoreError('TREE_SIZE_OUT_OF_RANGE', `from (${from}) is larger than to (${to})`)
    }
    await this.assertTreeSize(tenantId, to)
    const indexes = consistencyProofIndexes(from, to)
    const hashes = await this.db.tenantTransaction('reader', tenantId, (sql) =>
      readNodes(sql, tenantId, indexes),
    )
    return consistencyProofFromStored(this.hasher, from, to, hashes)
  }

  private async assertTreeSize(tenantId: string, treeSize: number): Promise<void> {
    const { treeSize: size } = await this.head(tenantId)
    if (!Number.isSafeInteger(treeSize) || treeSize < 1 || treeSize > size) {
      throw new StoreError(
        'TREE_SIZE_OUT_OF_RANGE',
        `tree size ${treeSize} is outside this log (1 to ${size})`,
      )
    }
  }
}
