// The `from` and `to` bounds of an event filter: an RFC 3339 date-time (§5.6) that
// PostgreSQL's timestamptz reads as the same instant. One definition for the API's query
// schema (http/schemas/event-filter.ts) and the CLI's --from/--to (cli/flags.ts), so that a
// bound the command line accepts is never refused by the server, and the other way round.
//
// Narrower than RFC 3339: year 0001 or later (PostgreSQL has no year 0000), an offset of at
// most ±15:59 (it refuses ±16:00 and beyond), no RFC 9557 suffix such as [Europe/Paris], at
// most 64 characters. As in RFC 3339, T and Z may be lower case, and second 60 is a leap
// second, valid only at 23:59 UTC (PostgreSQL reads it as the next minute's first second).

import { isCalendarTime } from '@auditseal/core'

/** The form, for the API's JSON schema (its `date-time` format checks the calendar too). */
export const FILTER_TIME_PATTERN =
  '^(?!0000)[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\\.[0-9]+)?' +
  '(?:[Zz]|[+-](?:0[0-9]|1[0-5]):[0-5][0-9])$'

export const FILTER_TIME_MAX_LENGTH = 64

// The same form with the fields captured.
const FIELDS =
  /^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.[0-9]+)?(?:[Zz]|([+-])(0[0-9]|1[0-5]):([0-5][0-9]))$/

/** Whether `text` is a filter bound the API and the CLI accept (see the top of this file). */
export function isFilterTime(text: string): boolean {
  const match = text.length <= FILTER_TIME_MAX_LENGTH ? FIELDS.exec(text) : null
  if (match === null) return false
  // Groups 7 to 9 (the offset's sign, hours, minutes) are absent for Z.
  const field = (group: number) => Number(match[group] ?? 0)
  const [year, month, day, hour, minute, second] = [
    field(1),
    field(2),
    field(3),
    field(4),
    field(5),
    field(6),
  ]
  if (second !== 60) return isCalendarTime(year, month, day, hour, minute, second)
  if (!isCalendarTime(year, month, day, hour, minute, 59)) return false
  // A leap second: the local time, offset removed, must be 23:59 UTC.
  const offset = (match[7] === '-' ? -1 : 1) * (60 * field(8) + field(9))
  const utcMinuteOfDay = (((hour * 60 + minute - offset) % 1440) + 1440) % 1440
  return utcMinuteOfDay === 23 * 60 + 59
}

/**
 * The instant of a filter bound (isFilterTime) in milliseconds since the epoch. Date.parse
 * reads no second 60 (NaN): a leap second is taken as the next minute's first second, as
 * PostgreSQL reads it.
 */
export function filterTimeMs(text: string): number {
  const leap = /^(.{17})60/.exec(text)
  return leap === null ? Date.parse(text) : Date.parse(`${leap[1]}59${text.slice(19)}`) + 1000
}
