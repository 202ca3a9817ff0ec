// The write path. A batch of validated events for one tenant gets its recorded_at, canonical
// form and leaf hashes first, then is sealed in one transaction: lock the tenant's head, drop
// events already in the log (by id), give the rest consecutive seq numbers, append the Merkle
// hashes they complete, and insert the events and hashes and move the head in one statement.
// Concurrent batches for one tenant serialize on the head row; other tenants' batches do not
// wait.

import type { AuditEvent, Frontier, TreeHasher } from '@auditseal/core'
import { HASH_SIZE, appendLeaves, frontierRoot } from '@auditseal/core'
import type { Database, Sql } from '../db/database.js'
import { TextArray, TextBytes } from '../db/binary-params.js'
import type { PreparedBatch } from './event-batch.js'
import { prepareBatch, TextBuffers, textsOf } from './event-batch.js'
import { idStoredTwice, StoreError } from './errors.js'
import { asBytes, hashToHex } from './hex.js'
import { EventPartitions } from './partitions.js'

/** The acknowledgement of one event, in the order the batch gave them. */
export interface SealedEvent {
  id: string
  seq: number
  leafHash: Uint8Array
  status: 'created' | 'duplicate'
}

/** Most events one seal accepts; the HTTP API allows 1,000 per request. */
export const MAX_SEAL_BATCH = 10_000

interface Head {
  frontier: Frontier
  /**
   * The highest event id in the log; null when the log is empty or the head's value is not
   * known to be current (migration 0012).
   */
  maxId: string | null
  /** recorded_at of the latest sealed events (ISO 8601, milliseconds); null if not known. */
  recordedAt: string | null
}

export class Sealer {
  private readonly partitions = new EventPartitions()
  private readonly textBuffers = new TextBuffers()

  constructor(
    private readonly db: Database,
    private readonly hasher: TreeHasher,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * Seals `events` (validated envelopes whose tenant_id is `tenantId`; recorded_at is set
   * here) into the tenant's log, all or nothing.
   */
  async seal(tenantId: string, events: readonly AuditEvent[]): Promise<SealedEvent[]> {
    if (events.length > MAX_SEAL_BATCH) {
      throw new StoreError('BATCH_TOO_LARGE', `at most ${MAX_SEAL_BATCH} events per seal`)
    }
    for (const event of events) {
      if (event.tenant_id !== tenantId) {
        throw new StoreError(
          'TENANT_MISMATCH',
          `event ${event.id} belongs to tenant ${event.tenant_id}, not ${tenantId}`,
        )
      }
    }
    if (events.length === 0) return []
    const recordedAt = this.clock()
    await this.partitions.ensure(this.db, recordedAt)
    // The CPU work (canonical form, leaf hashes) happens before the transaction, so the
    // tenant's head stays locked only for the database round trips.
    const batch = await prepareBatch(
      this.hasher,
      events,
      recordedAt.toISOString(),
      this.textBuffers,
    )
    try {
      return await this.db.tenantTransaction('writer', tenantId, (sql) =>
        this.sealLocked(sql, tenantId, batch, recordedAt.toISOString()),
      )
    } finally {
      // The statement that read the texts has completed (or never will be sent).
      this.textBuffers.give(batch.storage)
    }
  }

  private async sealLocked(
    sql: Sql,
    tenantId: string,
    prepared: PreparedBatch,
    preparedAt: string,
  ): Promise<SealedEvent[]> {
    const head = await lockHead(sql, tenantId)
    // The batch was stamped before the lock: a seal that took the lock first (another request
    // of this process, or a process whose clock is ahead) may have sealed events with a later
    // time. recorded_at must not go back along seq, so such a batch takes that time, and its
    // canonical texts and leaf hashes are made again (rare: the lock is held a moment longer).
    if (head.recordedAt === null || preparedAt >= head.recordedAt) {
      return this.appendLocked(sql, tenantId, head, prepared, preparedAt)
    }
    const recordedAt = head.recordedAt
    const batch = await prepareBatch(this.hasher, prepared.events, recordedAt, this.textBuffers)
    try {
      return await this.appendLocked(sql, tenantId, head, batch, recordedAt)
    } finally {
      this.textBuffers.give(batch.storage)
    }
  }

  private async appendLocked(
    sql: Sql,
    tenantId: string,
    head: Head,
    batch: PreparedBatch,
    recordedAt: string,
  ): Promise<SealedEvent[]> {
    // An id above the log's highest cannot be in the log; only the others are looked up.
    // (Validated ids are lowercase UUIDs: as strings they order as PostgreSQL orders uuids.)
    const maxId = head.maxId ?? (head.frontier.size > 0 ? await highestId(sql, tenantId) : null)
    const known = await findExisting(
      sql,
      tenantId,
      maxId === null ? [] : batch.events.map((e) => e.id).filter((id) => id <= maxId),
    )
    // The events to append (their indexes in the batch), in order; the first gets the head's
    // size as its seq.
    const fresh: number[] = []
    const results: SealedEvent[] = []
    const firstSeq = head.frontier.size
    for (const [i, event] of batch.events.entries()) {
      const id = event.id
      const leafHash = batch.leafHashes[i] as Uint8Array
      const existing = known.get(id)
      if (existing) {
        results.push({ id, seq: existing.seq, leafHash: existing.leafHash, status: 'duplicate' })
        continue
      }
      const seq = firstSeq + fresh.length
      // A second copy of the same id later in this very batch is a duplicate of this one.
      known.set(id, { seq, leafHash })
      fresh.push(i)
      results.push({ id, seq, leafHash, status: 'created' })
    }
    if (fresh.length === 0) return results

    let newMaxId = maxId ?? ''
    for (const i of fresh) {
      const id = (batch.events[i] as AuditEvent).id
      if (id > newMaxId) newMaxId = id
    }
    const freshHashes = fresh.map((i) => batch.leafHashes[i] as Uint8Array)
    const { frontier, stored } = appendLeaves(this.hasher, head.frontier, freshHashes)
    const events = fresh.map((i) => batch.events[i] as AuditEvent)
    const columns = [
      events.map((e) => e.id),
      events.map((e) => e.type),
      events.map((e) => e.outcome),
      events.map((e) => e.actor.type),
      events.map((e) => e.actor.id),
      events.map((e) => e.target?.type ?? null),
      events.map((e) => e.target?.id ?? null),
      events.map((e) => e.occurred_at),
    ]
    const storage = this.textBuffers.take(
      columns.reduce((bytes, values) => bytes + TextArray.maxBytes(values), 0),
    )
    try {
      let offset = 0
      const arrays = columns.map((values) => {
        const array = TextArray.write(values, storage, offset)
        offset += array.bytes.length
        return array
      })
      // One statement appends the events, their Merkle hashes and moves the head: the fewer
      // round trips while the head is locked, the sooner the tenant's next seal may go.
      await sql.query(APPEND_SQL, [
        tenantId,
        recordedAt,
        firstSeq,
        new TextBytes(textsOf(batch, fresh)),
        Buffer.concat(freshHashes),
        ...arrays,
        hashRunStart(stored),
        Buffer.concat(stored.map((s) => s.hash)),
        frontier.size,
        hashToHex(frontierRoot(this.hasher, frontier)),
        frontier.hashes.map(hashToHex),
        newMaxId,
      ])
    } finally {
      this.textBuffers.give(storage)
    }
    return results
  }
}

/** Locks the tenant's head row (creating an empty one the first time) and reads it. */
async function lockHead(sql: Sql, tenantId: string): Promise<Head> {
  const select = () =>
    sql.query<{
      size: number | string
      frontier: unknown[]
      max_id: string | null
      max_id_size: number | string | null
      recorded_at: string | null
    }>(HEAD_SQL, [tenantId])
  let rows = await select()
  if (rows.length === 0) {
    await sql.query(
      `INSERT INTO auditseal.audit_heads (tenant_id, size, root_hash, frontier, updated_at)
       VALUES ($1, 0, sha256(''::bytea), '{}', now())
       ON CONFLICT (tenant_id) DO NOTHING`,
      [tenantId],
    )
    rows = await select()
  }
  const row = rows[0]
  if (!row) throw new Error(`the head of tenant ${tenantId} could not be created`)
  const size = Number(row.size)
  return {
    frontier: { size, hashes: row.frontier.map(asBytes) },
    // Trusted only at the size it was written for: a sealer of an earlier release (during a
    // rolling upgrade) moves the head without it, and a stale value would skip lookups.
    maxId: row.max_id_size !== null && Number(row.max_id_size) === size ? row.max_id : null,
    recordedAt: row.recorded_at,
  }
}

// recorded_at as the sealer writes it (UTC, milliseconds), so that it compares as text.
const HEAD_SQL = `SELECT size, frontier, max_id, max_id_size,
    to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS recorded_at
  FROM auditseal.audit_heads WHERE tenant_id = $1 FOR UPDATE`

// The highest id: a backward step on each month's (tenant_id, id) index. (Ordering by the
// uuid, not its text, is what lets the index serve it; test/db/dedupe-plan.test.ts.)
export const HIGHEST_ID_SQL = `SELECT id FROM auditseal.audit_events
  WHERE tenant_id = $1 ORDER BY id DESC LIMIT 1`

/** The highest event id in the tenant's log (heads written before migration 0011 lack it). */
async function highestId(sql: Sql, tenantId: string): Promise<string | null> {
  const rows = await sql.query<{ id: string }>(HIGHEST_ID_SQL, [tenantId])
  return rows[0]?.id ?? null
}

// One index probe per id of the batch, on (tenant_id, id). Written as `id = ANY(ids)`, the
// planner came to prefer, once a tenant held a few hundred thousand events, a bitmap scan of
// all of the tenant's rows filtered by id: half a second per seal, growing with the log.
// LATERAL … LIMIT 2 leaves it no such choice (test/db/dedupe-plan.test.ts); two, not one,
// because an id stored twice is an error to report, not a copy to pick.
export const DEDUPE_SQL = `SELECT e.id::text AS id, e.seq, e.leaf_hash
  FROM unnest(string_to_array($2, ',')::uuid[]) AS wanted(id)
  CROSS JOIN LATERAL (
    SELECT id, seq, leaf_hash FROM auditseal.audit_events
    WHERE tenant_id = $1 AND id = wanted.id
    LIMIT 2) AS e`

/** Events of this batch already in the log, by id (exactly-once delivery). */
async function findExisting(
  sql: Sql,
  tenantId: string,
  ids: readonly string[],
): Promise<Map<string, { seq: number; leafHash: Uint8Array }>> {
  if (ids.length === 0) return new Map()
  const rows = await sql.query<{ id: string; seq: number | string; leaf_hash: unknown }>(
    DEDUPE_SQL,
    // One comma-separated text rather than a JavaScript array, which node-postgres would
    // escape item by item; validated ids are UUIDs, which hold no comma. Each id once: an id
    // the batch repeats would find its row twice, which is not an id stored twice.
    [tenantId, [...new Set(ids)].join(',')],
  )
  const known = new Map<string, { seq: number; leafHash: Uint8Array }>()
  for (const row of rows) {
    const seq = Number(row.seq)
    const other = known.get(row.id)
    // Two rows with one id: a retry of it is not acknowledged from either (idStoredTwice).
    if (other !== undefined) throw idStoredTwice(tenantId, row.id, [other.seq, seq])
    known.set(row.id, { seq, leafHash: asBytes(row.leaf_hash) })
  }
  return known
}

// The canonical texts arrive as one text, one per line (split here, kept byte for byte as the
// `canonical` column), the query columns as binary text arrays (ids and times are cast from
// their text per row), the leaf hashes as one bytea; ROWS FROM walks them side by side. Nothing
// is parsed as JSON on the way in. (Were a text ever to hold a raw line feed, the split would
// yield one text too many; ROWS FROM pads the other columns of that row with NULL, and the NOT
// NULL id fails the whole statement: nothing is stored askew.) The new Merkle hashes go in as
// one run (migration 0009) and the head takes the new size, root, frontier, highest id and
// recorded_at, all in the same statement.
const APPEND_SQL = `WITH appended AS (
  INSERT INTO auditseal.audit_events (tenant_id, seq, id, type, outcome, actor_type, actor_id,
    target_type, target_id, occurred_at, recorded_at, canonical, leaf_hash)
  SELECT $1::uuid, $3::bigint + r.n - 1, r.id::uuid, r.type, r.outcome, r.actor_type, r.actor_id,
    r.target_type, r.target_id, r.occurred_at::timestamptz, $2::timestamptz, r.canonical,
    substring($5::bytea FROM ((r.n - 1) * ${HASH_SIZE} + 1)::int FOR ${HASH_SIZE})
  FROM ROWS FROM (string_to_table($4::text, chr(10)),
    unnest($6::text[]), unnest($7::text[]), unnest($8::text[]), unnest($9::text[]),
    unnest($10::text[]), unnest($11::text[]), unnest($12::text[]), unnest($13::text[]))
    WITH ORDINALITY AS r(canonical, id, type, outcome, actor_type, actor_id, target_type,
      target_id, occurred_at, n)
), stored AS (
  INSERT INTO auditseal.audit_tree_nodes (tenant_id, first_idx, hashes) VALUES ($1, $14, $15)
)
UPDATE auditseal.audit_heads
SET size = $16, root_hash = decode($17, 'hex'),
  frontier = ARRAY(SELECT decode(f, 'hex')
                   FROM unnest($18::text[]) WITH ORDINALITY AS t(f, i) ORDER BY i),
  max_id = $19, max_id_size = $16, recorded_at = $2::timestamptz, updated_at = now()
WHERE tenant_id = $1`

/**
 * The hashes one append stores occupy consecutive StoredHashIndex positions, so they go in as
 * one row: the run's first index and the hashes concatenated (migration 0009).
 */
function hashRunStart(stored: readonly { index: number }[]): number {
  const first = (stored[0] as { index: number }).index
  for (const [i, s] of stored.entries()) {
    if (s.index !== first + i) throw new Error(`stored hash ${s.index} is not at ${first + i}`)
  }
  return first
}
