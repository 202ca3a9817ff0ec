// audit_events is partitioned by month of recorded_at. Before sealing into a month for the
// first time (in this process), make sure its partition exists; the check is cached so the
// hot path pays for it once a month.

import type { Sql } from '../db/database.js'

export class EventPartitions {
  private readonly known = new Set<string>()

  async ensure(sql: Sql, at: Date): Promise<void> {
    const month = at.toISOString().slice(0, 7)
    if (this.known.has(month)) return
    await sql.query(`SELECT auditseal.ensure_event_partition($1::timestamptz)`, [at.toISOString()])
    this.known.add(month)
  }
}
