// The original system's way (docs/origin.md): every event is one INSERT through a pg pool of
// 5 connections, fired and forgotten — nothing awaited, nothing hashed, nothing sealed, into
// the same table the sealer writes. "log() latency" is what the un-awaited pool.query call
// costs the caller; the rate is events per second until every INSERT has settled.
import pg from 'pg'
import type { AuditEventInput } from '../../packages/sdk/src/index.js'
import { uuidv7 } from '@auditseal/core'
import { percentiles } from './percentiles.js'
import { queryColumns } from '../../packages/server/test/support/query-columns.js'
import { measureCpu } from '../cpu-time.js'
import type { Measured } from '../cpu-time.js'
import type { Percentiles } from './percentiles.js'

const INSERT = `INSERT INTO auditseal.audit_events (tenant_id, seq, id, type, outcome, actor_type,
  actor_id, target_type, target_id, occurred_at, recorded_at, canonical, leaf_hash)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now(), $11, $12)`
const NO_HASH = Buffer.alloc(32)

export interface OriginalResult {
  latency: Percentiles
  /** Until every INSERT has settled: the rate, and the CPU by process. */
  sustained: Measured
  failed: number
}

export async function originalApproach(
  url: string,
  tenantId: string,
  events: (i: number) => AuditEventInput,
  count: number,
): Promise<OriginalResult> {
  const pool = new pg.Pool({ connectionString: url, max: 5 })
  pool.on('error', () => {})
  const micros = new Float64Array(count)
  const pending: Promise<unknown>[] = []
  let failed = 0
  const sustained = await measureCpu(count, async () => {
    for (let i = 0; i < count; i++) {
      const event = events(i)
      const t0 = process.hrtime.bigint()
      const occurredAt = new Date().toISOString()
      const id = uuidv7()
      const params = [
        tenantId,
        i,
        id,
        ...queryColumns(event),
        occurredAt,
        JSON.stringify({ ...event, v: 1, id, tenant_id: tenantId, occurred_at: occurredAt }),
        NO_HASH,
      ]
      pending.push(pool.query(INSERT, params).catch(() => failed++))
      micros[i] = Number(process.hrtime.bigint() - t0) / 1000
      if (i % 1000 === 999) await new Promise((resolve) => setImmediate(resolve))
    }
    await Promise.all(pending)
  })
  await pool.end()
  return { latency: percentiles(micros), sustained, failed }
}
