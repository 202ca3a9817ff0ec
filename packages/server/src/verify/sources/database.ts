// Reading one tenant's log straight from PostgreSQL, read-only: its checkpoints, then its
// events in seq order, a page at a time by keyset, with the leaf hashes the log stored in its
// tree for the same seqs (hints for locating a difference, never evidence). Rows with
// duplicate, missing or absurd seqs are handed on as they are, for the verifier to report.

import { storedHashIndex } from '@auditseal/core'
import type { Database, Sql } from '../../db/database.js'
import { SET_TENANT_SQL } from '../../db/scope.js'
import { readNodesAt } from '../../store/nodes.js'
import type { CheckpointCopy } from '../checkpoints.js'
import { VerifyError } from '../errors.js'
import { MAX_STAND_IN_GAP } from '../stand-in.js'
import type { RepeatedIds } from '../id-ledger.js'
import type { EventRecord, LogSource } from './types.js'

export interface DatabaseSourceOptions {
  db: Database
  tenant: string
  /** Shown in reports: the URL without its password. */
  label: string
  /** Events per page (default 10,000). */
  pageSize?: number
}

interface EventRow {
  seq_text: string
  id_text: string
  type: string
  outcome: string
  actor_type: string
  actor_id: string
  target_type: string | null
  target_id: string | null
  occurred_text: string
  recorded_text: string
  canonical: string
  leaf_hash: unknown
}

/**
 * A timestamptz as UTC text with microseconds, `2026-11-30T12:00:00.012000Z`, that reads back
 * as the same instant: a date before year 1 keeps its era (`0001-…Z BC`, which no event's
 * text can equal, and which would otherwise read back as the same date AD), and ±infinity
 * stays itself (to_char gives NULL for it). The last row's text is the next page's key, so
 * a row that does not round-trip could make a page skip rows.
 */
function utcText(column: string): string {
  return `CASE WHEN isfinite(${column})
    THEN regexp_replace(to_char(${column} AT TIME ZONE 'UTC',
      'YYYY-MM-DD"T"HH24:MI:SS.US"Z" BC'), ' AD$', '')
    ELSE ${column}::text END`
}

/** Events after a (seq, recorded_at) key — the primary key, unique even when seqs repeat. */
function eventPageSql(first: boolean): string {
  // Output names differ from the columns: ORDER BY must sort the bigint, not its text.
  return `SELECT seq::text AS seq_text, id::text AS id_text, type, outcome, actor_type, actor_id,
       target_type, target_id,
       ${utcText('occurred_at')} AS occurred_text,
       ${utcText('recorded_at')} AS recorded_text,
       canonical, leaf_hash
     FROM auditseal.audit_events
     WHERE tenant_id = $1 ${first ? '' : 'AND (seq, recorded_at) > ($3::bigint, $4::timestamptz)'}
     ORDER BY seq, recorded_at
     LIMIT $2`
}

/** Events in the first page. */
const FIRST_PAGE = 1000

/** Seqs beyond this get no stored-leaf hint (their index would not be exact). */
const MAX_HINT_SEQ = 2 ** 50

export class DatabaseSource implements LogSource {
  readonly kind = 'database' as const
  readonly label: string
  private readonly pageSize: number
  private access: Promise<{ member: boolean; bypass: boolean; login: string }> | undefined

  constructor(private readonly options: DatabaseSourceOptions) {
    this.label = options.label
    this.pageSize = options.pageSize ?? 10_000
  }

  async checkpoints(): Promise<CheckpointCopy[]> {
    const copies: CheckpointCopy[] = []
    let after = '-1'
    for (;;) {
      const rows = await this.read((sql) =>
        sql.query<{ tree_size: string; root_hash: unknown; note: string }>(
          `SELECT tree_size::text AS tree_size, root_hash, note FROM auditseal.audit_checkpoints
           WHERE tenant_id = $1 AND tree_size > $2::bigint ORDER BY tree_size LIMIT $3`,
          [this.options.tenant, after, this.pageSize],
        ),
      )
      for (const row of rows) {
        const size = Number(row.tree_size)
        copies.push({
          source: 'log',
          label: `database checkpoint ${row.tree_size}`,
          note: row.note,
          ...(Number.isSafeInteger(size) ? { statedSize: size } : {}),
          ...(row.root_hash instanceof Uint8Array ? { statedRoot: row.root_hash } : {}),
        })
      }
      if (rows.length < this.pageSize) return copies
      after = (rows.at(-1) as { tree_size: string }).tree_size
    }
  }

  /**
   * Ids that more than one stored event carries, with their seqs, at most `limit` of them. The
   * sealer seals an id once (exactly-once), so every second event with an id was put in — a
   * rewritten copy of an old event appended and signed, say, which no signed root tells from a
   * new one. Read from the (tenant_id, id) index; the id column is checked against each
   * event's canonical text as the events are read.
   */
  async duplicateIds(limit = 1000): Promise<RepeatedIds> {
    // One more than the limit of each, to tell whether there were more; an id's seqs are cut
    // at limit + 1 in the query, so one id on a million rows does not fill the memory.
    const rows = await this.read((sql) =>
      sql.query<{ id: string; seqs: string[]; copies: string }>(
        `SELECT id::text AS id, (array_agg(seq::text ORDER BY seq))[1:$2 + 1] AS seqs,
           count(*) AS copies
         FROM auditseal.audit_events WHERE tenant_id = $1
         GROUP BY id HAVING count(*) > 1
         ORDER BY min(seq) LIMIT $2 + 1`,
        [this.options.tenant, limit],
      ),
    )
    const repeated = rows.slice(0, limit).map((row) => ({ id: row.id, seqs: row.seqs.map(Number) }))
    const more = rows.length > limit || rows.some((row) => Number(row.copies) > limit + 1)
    return { repeated, more }
  }

  async expectedEvents(): Promise<number | undefined> {
    const [head] = await this.read((sql) =>
      sql.query<{ size: number }>(`SELECT size FROM auditseal.audit_heads WHERE tenant_id = $1`, [
        this.options.tenant,
      ]),
    )
    return head?.size
  }

  async *events(): AsyncGenerator<EventRecord> {
    // A small first page gets the verifier going sooner; each next page is read while the
    // one before is verified.
    let limit = Math.min(FIRST_PAGE, this.pageSize)
    let next = this.page(undefined, limit)
    for (;;) {
      const page = await next
      const last = page.at(-1)
      const full = page.length === limit && last !== undefined
      if (full) {
        limit = this.pageSize
        next = this.page(
          { seq: last.seqText as string, recordedAt: last.columns?.recordedAt as string },
          limit,
        )
        next.catch(() => undefined) // awaited (and rethrown) on the next turn
      }
      yield* page
      if (!full) return
    }
  }

  async close(): Promise<void> {
    await this.options.db.close()
  }

  private async page(
    after: { seq: string; recordedAt: string } | undefined,
    limit: number,
  ): Promise<EventRecord[]> {
    const tenant = this.options.tenant
    return this.read(async (sql) => {
      const params: unknown[] = [tenant, limit]
      if (after) params.push(after.seq, after.recordedAt)
      const rows = await sql.query<EventRow>(eventPageSql(after === undefined), params)
      const previous = after === undefined ? -1 : Number(after.seq)
      const stored = await storedLeaves(sql, tenant, rows, previous)
      const storedLeaf = (seq: number) =>
        seq >= 0 && seq <= MAX_HINT_SEQ ? stored.get(storedHashIndex(0, seq)) : undefined
      return rows.map((row) => toRecord(row, storedLeaf))
    })
  }

  /**
   * One read-only transaction, as auditseal_reader scoped to the tenant when the connecting
   * role may become it; otherwise as the connecting role if it bypasses row-level security (a
   * superuser, or a role with BYPASSRLS), still scoped by the tenant setting and by the
   * queries' own WHERE. Any other login would see no rows at all (the owner, say: the policies
   * name only the writer and the reader) and so a log with nothing in it: it is refused.
   */
  private async read<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    const { db, tenant } = this.options
    const readOnly = async (sql: Sql) => {
      await sql.query('SET TRANSACTION READ ONLY')
      return fn(sql)
    }
    try {
      this.access ??= db
        .adminQuery<{ member: boolean; bypass: boolean; login: string }>(
          `SELECT pg_has_role(current_user, 'auditseal_reader', 'MEMBER') AS member,
                  (r.rolsuper OR r.rolbypassrls) AS bypass, current_user AS login
           FROM pg_roles r WHERE r.rolname = current_user`,
        )
        .then(([row]) => row ?? { member: false, bypass: false, login: '?' })
      const access = await this.access
      if (access.member) return await db.tenantTransaction('reader', tenant, readOnly)
      if (!access.bypass) {
        throw new VerifyError(
          'USAGE',
          `the login ${access.login} (${this.label}) may not become auditseal_reader and does ` +
            'not bypass row-level security, so it would see no events at all: verify as a ' +
            `login granted auditseal_reader (GRANT auditseal_reader TO ${access.login}) or a superuser`,
        )
      }
      return await db.adminTransaction(async (sql) => {
        await sql.query(SET_TENANT_SQL, [tenant])
        return readOnly(sql)
      })
    } catch (error) {
      if (error instanceof VerifyError) throw error
      throw new VerifyError(
        'IO',
        `cannot read the log from ${this.label}: ${(error as Error).message}`,
        {
          cause: error,
        },
      )
    }
  }
}

/**
 * The stored leaf hashes of the page's seqs and their neighbours, by stored index, and of the
 * seqs missing between them (up to MAX_STAND_IN_GAP in a row; `previous` is the seq before
 * the page), which the verifier's stand-in tree puts in their place.
 */
async function storedLeaves(
  sql: Sql,
  tenant: string,
  rows: readonly EventRow[],
  previous: number,
): Promise<Map<number, Uint8Array>> {
  const indexes = new Set<number>()
  let last = Number.isSafeInteger(previous) ? previous : -1
  let gapBudget = 10 * MAX_STAND_IN_GAP // per page: the query stays small whatever was deleted
  for (const row of rows) {
    const seq = Number(row.seq_text)
    if (!Number.isSafeInteger(seq) || seq < 0 || seq > MAX_HINT_SEQ) continue
    for (const s of [seq - 1, seq, seq + 1]) if (s >= 0) indexes.add(storedHashIndex(0, s))
    const gap = seq - last - 1
    if (gap > 0 && gap <= MAX_STAND_IN_GAP && gap <= gapBudget) {
      gapBudget -= gap
      for (let s = last + 1; s < seq; s++) indexes.add(storedHashIndex(0, s))
    }
    last = Math.max(last, seq)
  }
  if (indexes.size === 0) return new Map()
  return readNodesAt(sql, tenant, [...indexes])
}

function toRecord(row: EventRow, storedLeaf: (seq: number) => Uint8Array | undefined): EventRecord {
  const seq = Number(row.seq_text)
  return {
    seq: Number.isSafeInteger(seq) ? seq : undefined,
    seqText: row.seq_text,
    canonical: row.canonical,
    leafHash: row.leaf_hash instanceof Uint8Array ? row.leaf_hash : undefined,
    columns: {
      id: row.id_text,
      type: row.type,
      outcome: row.outcome,
      actorType: row.actor_type,
      actorId: row.actor_id,
      targetType: row.target_type,
      targetId: row.target_id,
      occurredAt: row.occurred_text,
      recordedAt: row.recorded_text,
    },
    storedLeaf,
  }
}
