// Where the SDK says that something is wrong, whether or not anyone listens for its events: a
// log sink (console by default), rate-limited per kind of problem so that an outage of hours
// writes a line every few seconds, not one per retry or per dropped event.

/** Where problems are written; console fits. `false` in the options silences it. */
export interface LogSink {
  warn(message: string): void
  error(message: string): void
}

const DEFAULT_INTERVAL_MS = 10_000

export class Reporter {
  readonly #sink: LogSink | undefined
  readonly #intervalMs: number
  readonly #last = new Map<string, { at: number; suppressed: number }>()

  constructor(sink: LogSink | false | undefined, intervalMs = DEFAULT_INTERVAL_MS) {
    this.#sink = sink === false ? undefined : (sink ?? console)
    this.#intervalMs = intervalMs
  }

  error(kind: string, message: string): void {
    this.#write('error', kind, message)
  }

  warn(kind: string, message: string): void {
    this.#write('warn', kind, message)
  }

  #write(level: 'warn' | 'error', kind: string, message: string): void {
    if (this.#sink === undefined) return
    const now = Date.now()
    const last = this.#last.get(kind)
    if (last && now - last.at < this.#intervalMs) {
      last.suppressed++
      return
    }
    const more = last?.suppressed ? ` (${last.suppressed} more like it since the last report)` : ''
    this.#last.set(kind, { at: now, suppressed: 0 })
    try {
      this.#sink[level](`[auditseal] ${message}${more}`)
    } catch {
      // a failing log sink must not turn a reported problem into a thrown one
    }
  }
}
