// Event timestamps: RFC 3339 in UTC with exactly three fraction digits, the form of
// Date.prototype.toISOString() for years 0001-9999. One spelling per instant, so equal
// times are equal strings and sort as strings. Year 0000 is valid RFC 3339 but no date
// PostgreSQL can store (its calendar has no year zero): an event naming it would pass
// validation and then fail in the store on every retry, so validation refuses it.

/**
 * True for `YYYY-MM-DDTHH:mm:ss.sssZ` naming a real instant of the proleptic Gregorian
 * calendar: rejects 2025-02-30, hour 24, minute 60. Leap seconds (:60) are rejected too,
 * since JavaScript's Date cannot represent them. Read character by character: every event
 * is checked, and a regular expression with captures cost several times as much.
 */
export function isEventTimestamp(value: string): boolean {
  if (value.length !== 24) return false
  if (
    value.charCodeAt(4) !== DASH ||
    value.charCodeAt(7) !== DASH ||
    value.charCodeAt(10) !== 0x54 /* T */ ||
    value.charCodeAt(13) !== COLON ||
    value.charCodeAt(16) !== COLON ||
    value.charCodeAt(19) !== 0x2e /* . */ ||
    value.charCodeAt(23) !== 0x5a /* Z */ ||
    digits(value, 20, 3) < 0
  ) {
    return false
  }
  const year = digits(value, 0, 4)
  const month = digits(value, 5, 2)
  const day = digits(value, 8, 2)
  const hour = digits(value, 11, 2)
  const minute = digits(value, 14, 2)
  const second = digits(value, 17, 2)
  return isCalendarTime(year, month, day, hour, minute, second)
}

/**
 * True for a date of the proleptic Gregorian calendar from year 0001 (PostgreSQL has no year
 * 0000) and a time of day without leap seconds; -1 (digits() of a non-digit) is never valid.
 */
export function isCalendarTime(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
): boolean {
  return (
    year >= 1 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    hour >= 0 &&
    hour <= 23 &&
    minute >= 0 &&
    minute <= 59 &&
    second >= 0 &&
    second <= 59
  )
}

const DASH = 0x2d
const COLON = 0x3a

/** The decimal number written by text[start, start + count), or -1 if not all ASCII digits. */
function digits(text: string, start: number, count: number): number {
  let value = 0
  for (let i = start; i < start + count; i++) {
    const digit = text.charCodeAt(i) - 0x30
    if (digit < 0 || digit > 9) return -1
    value = value * 10 + digit
  }
  return value
}

/** `YYYY-MM-DDTHH:mm:ss.sssZ` of a Unix time in milliseconds (years 0001-9999). */
export function formatEventTimestamp(ms: number): string {
  const text = new Date(ms).toISOString()
  // toISOString writes years outside 0000-9999 as ±YYYYYY, which the envelope does not allow,
  // and year 0000 plainly, which it does not allow either.
  if (!isEventTimestamp(text)) throw new RangeError(`time out of range: ${ms}`)
  return text
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
}
