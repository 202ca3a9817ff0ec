// audit_events is partitioned by month of recorded_at. Before sealing into a month for the
// first time (in this process), make sure its partition and the next month's exist, in a
// short transaction of their own: creating a partition locks the whole table, which must not
// happen inside a seal holding a tenant's head. The check is cached, so the hot path pays for
// it once a month.

import type { Database } from '../db/database.js'

export class EventPartitions {
  private readonly known = new Set<string>()

  async ensure(db: Database, at: Date): Promise<void> {
    const month = at.toISOString().slice(0, 7)
    if (this.known.has(month)) return
    const next = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1))
    await db.roleTransaction('writer', async (sql) => {
      for (const when of [at, next]) {
        await sql.query(`SELECT auditseal.ensure_event_partition($1::timestamptz)`, [
          when.toISOString(),
        ])
      }
    })
    this.known.add(month)
  }
}
