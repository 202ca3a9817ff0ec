// Send latency over the most recent requests: a fixed ring, so it costs the same after a day
// as after a minute, and percentiles are computed only when someone asks (stats()).

export interface LatencySummary {
  /** Requests in the window (at most the ring's size). */
  count: number
  p50: number
  p99: number
  max: number
}

export class LatencyWindow {
  readonly #samples: Float64Array
  #next = 0
  #count = 0

  constructor(size = 1024) {
    this.#samples = new Float64Array(size)
  }

  record(ms: number): void {
    this.#samples[this.#next] = ms
    this.#next = (this.#next + 1) % this.#samples.length
    this.#count = Math.min(this.#count + 1, this.#samples.length)
  }

  summary(): LatencySummary {
    if (this.#count === 0) return { count: 0, p50: 0, p99: 0, max: 0 }
    const sorted = this.#samples.slice(0, this.#count).sort()
    // Nearest rank: the ceil(q × n)-th smallest sample, the smallest with at least the
    // fraction q of the samples at or below it (the median of two is the lower one).
    const at = (q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] as number
    return {
      count: this.#count,
      p50: at(0.5),
      p99: at(0.99),
      max: sorted[sorted.length - 1] as number,
    }
  }
}
