// The query API's filters (architecture §5) as SQL conditions, each one served by an index:
// type -> (tenant_id, type, seq); actor -> (tenant_id, actor_id, seq); target ->
// (tenant_id, target_type, target_id, seq); from/to -> (tenant_id, occurred_at);
// q -> a filter over the tenant's events walked by seq (no GIN index: under RLS it could never
// be used, see docs/storage.md); outcome -> a filter on the same walk.

export interface EventFilter {
  /** Exact type, or a prefix written `device.*`. */
  type?: string
  actorId?: string
  actorType?: string
  targetType?: string
  targetId?: string
  outcome?: 'success' | 'failure'
  /** occurred_at >= from (RFC 3339). */
  from?: string
  /** occurred_at < to (RFC 3339). */
  to?: string
  /** Words that must all occur in the event (simple text search). */
  q?: string
}

/** Appends the filter's conditions to `where`, with parameters numbered after `params`. */
export function filterConditions(filter: EventFilter, where: string[], params: unknown[]): void {
  const param = (value: unknown) => {
    params.push(value)
    return `$${params.length}`
  }
  if (filter.type !== undefined) {
    if (filter.type.endsWith('.*')) {
      // A prefix as a range on the "C"-collated column: 'device.' <= type < 'device/'.
      const prefix = filter.type.slice(0, -1)
      const upper =
        prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)
      where.push(`type >= ${param(prefix)} AND type < ${param(upper)}`)
    } else {
      where.push(`type = ${param(filter.type)}`)
    }
  }
  if (filter.actorId !== undefined) where.push(`actor_id = ${param(filter.actorId)}`)
  if (filter.actorType !== undefined) where.push(`actor_type = ${param(filter.actorType)}`)
  if (filter.targetType !== undefined) where.push(`target_type = ${param(filter.targetType)}`)
  if (filter.targetId !== undefined) where.push(`target_id = ${param(filter.targetId)}`)
  if (filter.outcome !== undefined) where.push(`outcome = ${param(filter.outcome)}`)
  if (filter.from !== undefined) where.push(`occurred_at >= ${param(filter.from)}::timestamptz`)
  if (filter.to !== undefined) where.push(`occurred_at < ${param(filter.to)}::timestamptz`)
  if (filter.q !== undefined) {
    where.push(`to_tsvector('simple', canonical) @@ plainto_tsquery('simple', ${param(filter.q)})`)
  }
}
