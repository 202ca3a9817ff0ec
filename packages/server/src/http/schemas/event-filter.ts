// The filters of GET /v1/events and GET /v1/export (architecture §5), and their translation
// to the store's EventFilter.

import { ACTOR_TYPES, OUTCOMES } from '@auditseal/core'
import type { Static } from 'typebox'
import { Type } from 'typebox'
import type { EventFilter } from '../../store/event-filter.js'
import {
  FILTER_TIME_MAX_LENGTH,
  FILTER_TIME_PATTERN,
  filterTimeMs,
  isFilterTime,
} from '../../store/filter-time.js'
import { ApiError } from '../errors.js'
import { EXPECTED } from '../validation.js'
import { queryText, stringEnum } from './common.js'

// An exact type (2 to 8 segments), or a prefix of 1 to 7 segments followed by `.*`.
const TYPE_FILTER =
  '^(?:[a-z][a-z0-9_]*(?:\\.[a-z][a-z0-9_]*){1,7}|[a-z][a-z0-9_]*(?:\\.[a-z][a-z0-9_]*){0,6}\\.\\*)$'

const FILTER_TIME_EXPECTED = 'an RFC 3339 date-time with an offset, e.g. 2024-03-07T10:00:00Z'

const OccurredAt = (description: string) =>
  Type.String({
    format: 'date-time',
    pattern: FILTER_TIME_PATTERN,
    maxLength: FILTER_TIME_MAX_LENGTH,
    description,
    [EXPECTED]: FILTER_TIME_EXPECTED,
  })

export const eventFilterQuery = {
  type: Type.Optional(
    Type.String({
      maxLength: 130,
      pattern: TYPE_FILTER,
      description: 'an exact type (device.created) or a prefix (device.*)',
      [EXPECTED]: 'an exact event type (device.created) or a prefix of one (device.*)',
    }),
  ),
  actor_id: Type.Optional(queryText('actor.id, exactly')),
  actor_type: Type.Optional(stringEnum(ACTOR_TYPES, { description: 'actor.type' })),
  target_type: Type.Optional(queryText('target.type, exactly')),
  target_id: Type.Optional(queryText('target.id, exactly')),
  outcome: Type.Optional(stringEnum(OUTCOMES)),
  from: Type.Optional(
    OccurredAt('occurred_at ≥ from (RFC 3339, years 0001–9999, offset ≤ ±15:59)'),
  ),
  to: Type.Optional(OccurredAt('occurred_at < to (RFC 3339, years 0001–9999, offset ≤ ±15:59)')),
  q: Type.Optional(queryText('words that must all occur in the event (simple text search)', 256)),
}

export const EventFilterQuery = Type.Object(eventFilterQuery)
export type EventFilterQuery = Static<typeof EventFilterQuery>

/** The store's filter for the query; 400 when `from` is after `to`. */
export function eventFilterOf(query: EventFilterQuery): EventFilter {
  // The schema's pattern and date-time format leave a few oddities (a leap second at hour
  // 24, say) to this check, which the CLI's --from/--to share.
  for (const path of ['from', 'to'] as const) {
    const bound = query[path]
    if (bound !== undefined && !isFilterTime(bound)) {
      throw new ApiError('invalid_request', `${path} is not a date-time the log can filter by`, {
        details: [{ location: 'query', path, message: `must be ${FILTER_TIME_EXPECTED}` }],
      })
    }
  }
  if (query.from !== undefined && query.to !== undefined) {
    if (filterTimeMs(query.from) > filterTimeMs(query.to)) {
      throw new ApiError('invalid_request', 'from must not be after to', {
        details: [{ location: 'query', path: 'from', message: 'is after to' }],
      })
    }
  }
  const filter: EventFilter = {}
  if (query.type !== undefined) filter.type = query.type
  if (query.actor_id !== undefined) filter.actorId = query.actor_id
  if (query.actor_type !== undefined) filter.actorType = query.actor_type
  if (query.target_type !== undefined) filter.targetType = query.target_type
  if (query.target_id !== undefined) filter.targetId = query.target_id
  if (query.outcome !== undefined) filter.outcome = query.outcome
  if (query.from !== undefined) filter.from = query.from
  if (query.to !== undefined) filter.to = query.to
  if (query.q !== undefined) filter.q = query.q
  return filter
}
