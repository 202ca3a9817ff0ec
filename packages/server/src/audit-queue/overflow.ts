// When the queue is full, new events are refused (the request is never made to wait) and
// counted per tenant. As soon as there is room again, each affected tenant's log gets one
// `audit.events_dropped` event saying how many were lost and when, so a gap is never silent.

import type { AuditEvent } from '@auditseal/core'
import { uuidv7 } from '@auditseal/core'

export interface DropRecord {
  count: number
  firstAt: number
  lastAt: number
}

export class DropLedger {
  private readonly byTenant = new Map<string, DropRecord>()

  /** Counts one refused event; returns true for the first of an episode (worth a warning). */
  record(tenantId: string, at: number): boolean {
    const record = this.byTenant.get(tenantId)
    if (record) {
      record.count++
      record.lastAt = at
      return false
    }
    this.byTenant.set(tenantId, { count: 1, firstAt: at, lastAt: at })
    return true
  }

  get size(): number {
    return this.byTenant.size
  }

  /** Empties the ledger into one summary event per tenant. */
  takeSummaries(now: number, maxPending: number): AuditEvent[] {
    const events = [...this.byTenant].map(([tenantId, record]) =>
      droppedEvent(tenantId, record, now, maxPending),
    )
    this.byTenant.clear()
    return events
  }
}

function droppedEvent(
  tenantId: string,
  record: DropRecord,
  now: number,
  maxPending: number,
): AuditEvent {
  return {
    v: 1,
    id: uuidv7(),
    tenant_id: tenantId,
    type: 'audit.events_dropped',
    outcome: 'failure',
    occurred_at: new Date(now).toISOString(),
    actor: { type: 'system', id: 'auditseal' },
    error: {
      code: 'AUDIT_QUEUE_FULL',
      message: `${record.count} audit event(s) of this tenant were dropped: the server's audit queue was full`,
    },
    data: {
      count: record.count,
      first_dropped_at: new Date(record.firstAt).toISOString(),
      last_dropped_at: new Date(record.lastAt).toISOString(),
      queue_capacity: maxPending,
    },
  }
}
