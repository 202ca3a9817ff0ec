// The database keeps some members of E in their own columns, for the indexes of the query
// API. They are copies: the canonical text is what was hashed, and every copy must agree
// with it, or someone has changed one of them.

import type { AuditEvent } from '@auditseal/core'

/** The columns of an audit_events row that repeat members of E, as the verifier reads them. */
export interface StoredColumns {
  readonly id: string
  readonly type: string
  readonly outcome: string
  readonly actorType: string
  readonly actorId: string
  readonly targetType: string | null
  readonly targetId: string | null
  /**
   * timestamptz as UTC text with microseconds, `2026-11-30T12:00:00.012000Z`; a date before
   * year 1 ends in ` BC` and ±infinity is `infinity`, so neither can equal an event's time.
   */
  readonly occurredAt: string
  readonly recordedAt: string
}

/** Every column that disagrees with the event, as `column is X, the canonical text says Y`. */
export function columnProblems(event: AuditEvent, columns: StoredColumns): string[] {
  const expected: [string, string | null, string | null][] = [
    ['id', columns.id, event.id],
    ['type', columns.type, event.type],
    ['outcome', columns.outcome, event.outcome],
    ['actor_type', columns.actorType, event.actor.type],
    ['actor_id', columns.actorId, event.actor.id],
    ['target_type', columns.targetType, event.target?.type ?? null],
    ['target_id', columns.targetId, event.target?.id ?? null],
    ['occurred_at', columns.occurredAt, microseconds(event.occurred_at)],
    ['recorded_at', columns.recordedAt, microseconds(event.recorded_at ?? null)],
  ]
  return expected
    .filter(([, stored, canonical]) => stored !== canonical)
    .map(
      ([name, stored, canonical]) =>
        `column ${name} is ${JSON.stringify(stored)}, the canonical text says ${JSON.stringify(canonical)}`,
    )
}

/** `…:00.012Z` (an event timestamp, milliseconds) as the column reads, `…:00.012000Z`. */
function microseconds(timestamp: string | null): string | null {
  return timestamp === null ? null : `${timestamp.slice(0, -1)}000Z`
}
