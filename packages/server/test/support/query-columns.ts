// The columns of audit_events filled from an event's members, in the table's order (type,
// outcome, actor_type, actor_id, target_type, target_id): what the sealer extracts for the
// query indexes, for tests and benchmarks that write rows without it.

/** The members queryColumns reads (an input without id or times will do). */
interface EventMembers {
  type: string
  outcome: string
  actor: { type: string; id: string }
  target?: { type: string; id: string }
}

export function queryColumns(event: EventMembers): (string | null)[] {
  return [
    event.type,
    event.outcome,
    event.actor.type,
    event.actor.id,
    event.target?.type ?? null,
    event.target?.id ?? null,
  ]
}
