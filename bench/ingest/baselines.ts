// The two unsealed baselines, on the same table and indexes as the sealer: (a) the original
// system's way, one INSERT per event through a pool of 5 connections; (b) raw COPY FROM STDIN.
// Both get rows prepared in advance (no hashing): they measure only the database path.
import { pipeline } from 'node:stream/promises'
import { Readable } from 'node:stream'
import pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import type { AuditEvent } from '@auditseal/core'
import { canonicalJson } from '@auditseal/core'
import { createHash } from 'node:crypto'
import { settleHeap } from '../settle-heap.js'
import { queryColumns } from '../../packages/server/test/support/query-columns.js'
import { measureCpu } from '../cpu-time.js'
import type { Measured } from '../cpu-time.js'

export interface Row {
  values: (string | number | null)[]
}

const COLUMNS =
  'tenant_id, seq, id, type, outcome, actor_type, actor_id, target_type, target_id, occurred_at, recorded_at, canonical, leaf_hash'

export function toRows(events: readonly AuditEvent[]): Row[] {
  const recordedAt = new Date().toISOString()
  return events.map((event, seq) => {
    const canonical = canonicalJson({ ...event, recorded_at: recordedAt })
    const leafHash = createHash('sha256').update(canonical).digest('hex')
    return {
      values: [
        event.tenant_id,
        seq,
        event.id,
        ...queryColumns(event),
        event.occurred_at,
        recordedAt,
        canonical,
        `\\x${leafHash}`,
      ],
    }
  })
}

/** (a) One INSERT per event, all in flight at once through pg.Pool({ max: 5 }). */
export async function naiveInserts(url: string, rows: readonly Row[]): Promise<Measured> {
  const pool = new pg.Pool({ connectionString: url, max: 5 })
  const sql = `INSERT INTO auditseal.audit_events (${COLUMNS})
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`
  settleHeap()
  const measured = await measureCpu(rows.length, async () => {
    // Fire and forget, as the original did; bounded only so the benchmark itself stays sane.
    for (let i = 0; i < rows.length; i += 2000) {
      await Promise.all(rows.slice(i, i + 2000).map((row) => pool.query(sql, row.values)))
    }
  })
  await pool.end()
  return measured
}

function copyLine(row: Row): string {
  const escape = (value: string | number | null) =>
    value === null
      ? '\\N'
      : String(value)
          .replace(/\\/g, '\\\\')
          .replace(/\t/g, '\\t')
          .replace(/\n/g, '\\n')
          .replace(/\r/g, '\\r')
  return row.values.map(escape).join('\t') + '\n'
}

/** (b) COPY FROM STDIN on one connection (as the superuser: COPY cannot run under RLS). */
export async function rawCopy(url: string, rows: readonly Row[]): Promise<Measured> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  settleHeap()
  async function* lines() {
    for (let i = 0; i < rows.length; i += 1000) {
      yield rows
        .slice(i, i + 1000)
        .map(copyLine)
        .join('')
    }
  }
  const measured = await measureCpu(rows.length, async () => {
    const stream = client.query(copyFrom(`COPY auditseal.audit_events (${COLUMNS}) FROM STDIN`))
    await pipeline(Readable.from(lines()), stream)
  })
  await client.end()
  return measured
}
