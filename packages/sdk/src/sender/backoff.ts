// How long to wait before trying a failed delivery again: exponential backoff with full
// jitter (a uniformly random wait between 0 and the exponential bound), so many producers
// that lost the server at the same moment do not come back in lockstep; and never less than
// the server asked for with Retry-After.

export interface BackoffOptions {
  /** The bound of the first retry (default 100 ms). */
  initialDelayMs: number
  /** The largest bound, however many attempts failed (default 30 s). */
  maxDelayMs: number
  /** The longest Retry-After honoured (default 5 min): a bogus header must not stall the spool for days. */
  maxRetryAfterMs: number
}

export const DEFAULT_BACKOFF: BackoffOptions = Object.freeze({
  initialDelayMs: 100,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 300_000,
})

/**
 * The wait before retry number `attempt` (0 for the first retry): uniform in
 * [0, min(maxDelayMs, initialDelayMs × 2^attempt)), raised to `retryAfterMs` (capped) if given.
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  const bound = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** Math.min(attempt, 52))
  const jittered = Math.floor(random() * bound)
  if (retryAfterMs === undefined) return jittered
  return Math.max(jittered, Math.min(retryAfterMs, options.maxRetryAfterMs))
}

/**
 * Milliseconds from `now` that a Retry-After header value asks for (RFC 9110 §10.2.3): a
 * number of seconds, or an HTTP date. Undefined when absent or unreadable.
 */
export function parseRetryAfter(
  value: string | undefined,
  now: number = Date.now(),
): number | undefined {
  if (value === undefined) return undefined
  const text = value.trim()
  if (/^\d+$/.test(text)) return Number(text) * 1000
  // An HTTP date names its day and month (`Sun, 06 Nov 1994 08:49:37 GMT`); Date.parse would
  // also take `-5` as a year.
  if (!/[a-z]{3}/i.test(text)) return undefined
  const date = Date.parse(text)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, date - now)
}
