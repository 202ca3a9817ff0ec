// Flag parsers shared by the CLI commands; errors are ConfigErrors naming the flag (exit 2).

import { ConfigError } from '../config/errors.js'
import { parseDatabaseUrl, parseTenantId } from '../config/values.js'
import { filterTimeMs, isFilterTime } from '../store/filter-time.js'

/** A tenant id: a UUID, accepted in any case and returned in lowercase (as the log keeps it). */
export function parseTenantFlag(text: string): string {
  return parseTenantId({ text, from: '--tenant' })
}

/**
 * --database-url: postgres:// or postgresql://, checked as `serve` checks it. pg would take
 * any URL — http://host/db connects to host:5432 with no user name — and fail with a message
 * that does not name the flag.
 */
export function parseDatabaseUrlFlag(text: string): string {
  return parseDatabaseUrl({ text, from: '--database-url' })
}

/**
 * An RFC 3339 date-time with an offset, naming a real instant: 2024-03-07T10:00:00Z,
 * 2024-03-07T11:00:00.5+01:00 — exactly what the API takes (store/filter-time.ts). Refuses
 * what Date.parse would take besides ("March 7 2024", a date alone, no offset), year 0000,
 * days a month lacks, hour 24, offsets beyond ±15:59 and more than 64 characters.
 */
export function parseTimeFlag(text: string, flag: string): string {
  if (!isFilterTime(text)) {
    throw new ConfigError(
      `${flag}: ${JSON.stringify(text)} is not an RFC 3339 date-time with an offset, ` +
        'e.g. 2024-03-07T10:00:00Z or 2024-03-07T11:00:00.5+01:00',
    )
  }
  return text
}

/** --from and --to, checked; --from must not be after --to (the API would answer 400). */
export function parseTimeRange(from: string | undefined, to: string | undefined): void {
  if (from !== undefined) parseTimeFlag(from, '--from')
  if (to !== undefined) parseTimeFlag(to, '--to')
  if (from !== undefined && to !== undefined && filterTimeMs(from) > filterTimeMs(to)) {
    throw new ConfigError(`--from: ${JSON.stringify(from)} is after --to ${JSON.stringify(to)}`)
  }
}
