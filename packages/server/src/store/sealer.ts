// The write path. A batch of validated events for one tenant gets its recorded_at, canonical
// form and leaf hashes first, then is sealed in one transaction: lock the tenant's head, drop
// events already in the log (by id), give the rest consecutive seq numbers, append the Merkle
// hashes they complete, insert everything with set-based statements, and move the head.
// Concurrent batches for one tenant serialize on the head row; other tenants' batches do not
// wait.

import type { AuditEvent, Frontier, TreeHasher } from '@auditseal/core'
import { HASH_SIZE, appendLeaves, canonicalJson, frontierRoot } from '@auditseal/core'
import type { Database, Sql } from '../db/database.js'
import { StoreError } from './errors.js'
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
}

/** An event with its recorded_at, canonical text and leaf hash, ready to be given a seq. */
interface PreparedEvent {
  event: AuditEvent
  canonical: string
  leafHash: Uint8Array
}

/** Events canonicalized between pauses, so a big batch never holds the event loop for long. */
const EVENTS_PER_SLICE = 200

async function prepareEvents(
  hasher: TreeHasher,
  events: readonly AuditEvent[],
  recordedAt: string,
): Promise<PreparedEvent[]> {
  const prepared: PreparedEvent[] = []
  for (const [i, input] of events.entries()) {
    if (i > 0 && i % EVENTS_PER_SLICE === 0) await new Promise((resolve) => setImmediate(resolve))
    const canonical = canonicalJson({ ...input, recorded_at: recordedAt })
    prepared.push({ event: input, canonical, leafHash: hasher.leafHashOfText(canonical) })
  }
  return prepared
}

export class Sealer {
  private readonly partitions = new EventPartitions()

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
    const prepared = await prepareEvents(this.hasher, events, recordedAt.toISOString())
    return this.db.tenantTransaction('writer', tenantId, (sql) =>
      this.sealLocked(sql, tenantId, prepared, recordedAt.toISOString()),
    )
  }

  private async sealLocked(
    sql: Sql,
    tenantId: string,
    prepared: readonly PreparedEvent[],
    recordedAt: string,
  ): Promise<SealedEvent[]> {
    const head = await lockHead(sql, tenantId)
    const known = await findExisting(
      sql,
      tenantId,
      prepared.map((p) => p.event.id),
    )
    // The events to append, in order; the first gets the head's size as its seq.
    const fresh: PreparedEvent[] = []
    const results: SealedEvent[] = []
    const firstSeq = head.frontier.size
    for (const item of prepared) {
      const id = item.event.id
      const existing = known.get(id)
      if (existing) {
        results.push({ id, seq: existing.seq, leafHash: existing.leafHash, status: 'duplicate' })
        continue
      }
      const seq = firstSeq + fresh.length
      // A second copy of the same id later in this very batch is a duplicate of this one.
      known.set(id, { seq, leafHash: item.leafHash })
      fresh.push(item)
      results.push({ id, seq, leafHash: item.leafHash, status: 'created' })
    }
    if (fresh.length === 0) return results

    const { frontier, stored } = appendLeaves(
      this.hasher,
      head.frontier,
      fresh.map((f) => f.leafHash),
    )
    await insertEvents(sql, tenantId, recordedAt, firstSeq, fresh)
    await insertHashRun(sql, tenantId, stored)
    await sql.query(
      `UPDATE auditseal.audit_heads
       SET size = $2, root_hash = decode($3, 'hex'),
           frontier = ARRAY(SELECT decode(f, 'hex')
                            FROM unnest($4::text[]) WITH ORDINALITY AS t(f, i) ORDER BY i),
           updated_at = now()
       WHERE tenant_id = $1`,
      [
        tenantId,
        frontier.size,
        hashToHex(frontierRoot(this.hasher, frontier)),
        frontier.hashes.map(hashToHex),
      ],
    )
    return results
  }
}

/** Locks the tenant's head row (creating an empty one the first time) and reads it. */
async function lockHead(sql: Sql, tenantId: string): Promise<Head> {
  const select = () =>
    sql.query<{ size: number | string; frontier: unknown[] }>(
      `SELECT size, frontier FROM auditseal.audit_heads WHERE tenant_id = $1 FOR UPDATE`,
      [tenantId],
    )
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
  return { frontier: { size: Number(row.size), hashes: row.frontier.map(asBytes) } }
}

// One index probe per id of the batch, on (tenant_id, id). Written as `id = ANY(ids)`, the
// planner came to prefer, once a tenant held a few hundred thousand events, a bitmap scan of
// all of the tenant's rows filtered by id: half a second per seal, growing with the log.
// LATERAL … LIMIT 1 leaves it no such choice (test/db/dedupe-plan.test.ts).
export const DEDUPE_SQL = `SELECT e.id::text AS id, e.seq, e.leaf_hash
  FROM unnest(string_to_array($2, ',')::uuid[]) AS wanted(id)
  CROSS JOIN LATERAL (
    SELECT id, seq, leaf_hash FROM auditseal.audit_events
    WHERE tenant_id = $1 AND id = wanted.id
    LIMIT 1) AS e`

/** Events of this batch already in the log, by id (exactly-once delivery). */
async function findExisting(
  sql: Sql,
  tenantId: string,
  ids: readonly string[],
): Promise<Map<string, { seq: number; leafHash: Uint8Array }>> {
  const rows = await sql.query<{ id: string; seq: number | string; leaf_hash: unknown }>(
    DEDUPE_SQL,
    // One comma-separated text rather than a JavaScript array, which node-postgres would
    // escape item by item; validated ids are UUIDs, which hold no comma.
    [tenantId, ids.join(',')],
  )
  return new Map(
    rows.map((r) => [r.id, { seq: Number(r.seq), leafHash: asBytes(r.leaf_hash) }] as const),
  )
}

const INSERT_EVENTS = `INSERT INTO auditseal.audit_events (tenant_id, seq, id, type, outcome,
    actor_type, actor_id, target_type, target_id, occurred_at, recorded_at, canonical, leaf_hash)`

const LEAF_HASH = `substring($5::bytea FROM ((e.n - 1) * ${HASH_SIZE} + 1)::int FOR ${HASH_SIZE})`

// The events as one JSON array of their canonical texts, joined as they are (each is a JSON
// object): nothing is escaped again, and the json type hands each element back as its exact
// text, which becomes the `canonical` column; the query columns come from the parsed element.
const EVENTS_FROM_TEXTS = `${INSERT_EVENTS}
  SELECT $1::uuid, $3::bigint + e.n - 1, r.id, r.type, r.outcome, r.actor->>'type',
    r.actor->>'id', r.target->>'type', r.target->>'id', r.occurred_at, $2::timestamptz,
    e.event::text, ${LEAF_HASH}
  FROM json_array_elements($4::json) WITH ORDINALITY AS e(event, n)
  CROSS JOIN LATERAL json_to_record(e.event)
    AS r(id uuid, type text, outcome text, occurred_at timestamptz, actor json, target json)`

// PostgreSQL's JSON parser refuses \u0000 anywhere in a text it extracts from (text cannot
// hold NUL), and `data` may hold one. Such batches send the query columns next to each
// canonical text, which then travels as a JSON string.
const EVENTS_FROM_ROWS = `${INSERT_EVENTS}
  SELECT $1::uuid, $3::bigint + e.n - 1, r.i, r.t, r.o, r.at, r.ai, r.tt, r.ti, r.oc,
    $2::timestamptz, r.c, ${LEAF_HASH}
  FROM json_array_elements($4::json) WITH ORDINALITY AS e(event, n)
  CROSS JOIN LATERAL json_to_record(e.event) AS r(i uuid, t text, o text, at text, ai text,
    tt text, ti text, oc timestamptz, c text)`

async function insertEvents(
  sql: Sql,
  tenantId: string,
  recordedAt: string,
  firstSeq: number,
  fresh: readonly PreparedEvent[],
): Promise<void> {
  const leafHashes = Buffer.concat(fresh.map((f) => f.leafHash))
  if (!fresh.some((f) => f.canonical.includes('\\u0000'))) {
    const events = `[${fresh.map((f) => f.canonical).join(',')}]`
    await sql.query(EVENTS_FROM_TEXTS, [tenantId, recordedAt, firstSeq, events, leafHashes])
    return
  }
  const rows = fresh.map(({ event, canonical }) => ({
    i: event.id,
    t: event.type,
    o: event.outcome,
    at: event.actor.type,
    ai: event.actor.id,
    tt: event.target?.type,
    ti: event.target?.id,
    oc: event.occurred_at,
    c: canonical,
  }))
  await sql.query(EVENTS_FROM_ROWS, [
    tenantId,
    recordedAt,
    firstSeq,
    JSON.stringify(rows),
    leafHashes,
  ])
}

/**
 * The hashes one append stores occupy consecutive StoredHashIndex positions: they go in as
 * one row, the run's first index and the hashes concatenated (migration 0009).
 */
async function insertHashRun(
  sql: Sql,
  tenantId: string,
  stored: readonly { index: number; hash: Uint8Array }[],
): Promise<void> {
  const first = (stored[0] as { index: number }).index
  for (const [i, s] of stored.entries()) {
    if (s.index !== first + i) throw new Error(`stored hash ${s.index} is not at ${first + i}`)
  }
  await sql.query(
    `INSERT INTO auditseal.audit_tree_nodes (tenant_id, first_idx, hashes) VALUES ($1, $2, $3)`,
    [tenantId, first, Buffer.concat(stored.map((s) => s.hash))],
  )
}
