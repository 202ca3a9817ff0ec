// Lets a transport give up waiting for work it cannot cancel (a seal function, a credential
// function) when the sender stops, so that close() keeps its bound.

/** What unlessAborted settles with when the signal aborted first. */
export const ABORTED = Symbol('aborted')

/**
 * Settles as `promise` does, or with ABORTED as soon as `signal` aborts; what `promise` does
 * after that is ignored. A seal that completes anyway is harmless: its events stay in the
 * spool, and sent again they are answered `duplicate` (the id is the idempotency key).
 */
export function unlessAborted<T>(
  promise: Promise<T>,
  signal: AbortSignal,
): Promise<T | typeof ABORTED> {
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(ABORTED)
    if (signal.aborted) onAbort()
    else signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}
