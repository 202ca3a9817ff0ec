// Flag parsers shared by the CLI commands; errors are ConfigErrors naming the flag (exit 2).

import { isCalendarTime } from '@auditseal/core'
import { ConfigError } from '../config/errors.js'
import { parseTenantId } from '../config/values.js'

/** A tenant id: a UUID, accepted in any case and returned in lowercase (as the log keeps it). */
export function parseTenantFlag(text: string): string {
  return parseTenantId({ text, from: '--tenant' })
}

// YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM): RFC 3339 §5.6 date-time with upper-case T and Z.
// The API takes the same (http/schemas/event-filter.ts): what PostgreSQL's timestamptz reads.
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:Z|[+-](\d{2}):(\d{2}))$/

/**
 * An RFC 3339 date-time with an offset, naming a real instant: 2024-03-07T10:00:00Z,
 * 2024-03-07T11:00:00.5+01:00. Refuses what Date.parse would take besides ("March 7 2024",
 * a date alone, no offset), year 0000 (PostgreSQL's calendar has none), days a month lacks,
 * hour 24, leap seconds (:60) and offsets beyond ±15:59 (PostgreSQL refuses them). At most
 * 64 characters, as the API.
 */
export function parseTimeFlag(text: string, flag: string): string {
  if (!isDateTime(text)) {
    throw new ConfigError(
      `${flag}: ${JSON.stringify(text)} is not an RFC 3339 date-time with an offset, ` +
        'e.g. 2024-03-07T10:00:00Z or 2024-03-07T11:00:00.5+01:00',
    )
  }
  return text
}

function isDateTime(text: string): boolean {
  const match = text.length <= 64 ? DATE_TIME.exec(text) : null
  if (match === null) return false
  // Groups 7 and 8 (the offset) are absent for Z: 0.
  const [
    year = 0,
    month = 0,
    day = 0,
    hour = 0,
    minute = 0,
    second = 0,
    offsetHour = 0,
    offsetMinute = 0,
  ] = match.slice(1).map((digits) => Number(digits ?? 0))
  return (
    isCalendarTime(year, month, day, hour, minute, second) && offsetHour <= 15 && offsetMinute <= 59
  )
}

/** --from and --to, checked; --from must not be after --to (the API would answer 400). */
export function parseTimeRange(from: string | undefined, to: string | undefined): void {
  if (from !== undefined) parseTimeFlag(from, '--from')
  if (to !== undefined) parseTimeFlag(to, '--to')
  if (from !== undefined && to !== undefined && Date.parse(from) > Date.parse(to)) {
    throw new ConfigError(`--from: ${JSON.stringify(from)} is after --to ${JSON.stringify(to)}`)
  }
}
