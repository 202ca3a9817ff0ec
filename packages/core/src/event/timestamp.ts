// Event timestamps: RFC 3339 in UTC with exactly three fraction digits, the form of
// Date.prototype.toISOString() for years 0000-9999. One spelling per instant, so equal
// times are equal strings and sort as strings.

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.\d{3}Z$/

/**
 * True for `YYYY-MM-DDTHH:mm:ss.sssZ` naming a real instant of the proleptic Gregorian
 * calendar: rejects 2025-02-30, hour 24, minute 60. Leap seconds (:60) are rejected too,
 * since JavaScript's Date cannot represent them.
 */
export function isEventTimestamp(value: string): boolean {
  const match = TIMESTAMP.exec(value)
  if (match === null) return false
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ]
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59
  )
}

/** `YYYY-MM-DDTHH:mm:ss.sssZ` of a Unix time in milliseconds (years 0000-9999). */
export function formatEventTimestamp(ms: number): string {
  const text = new Date(ms).toISOString()
  // toISOString writes years outside 0000-9999 as ±YYYYYY, which the envelope does not allow.
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
