// Latency percentiles of per-call timings in microseconds.
export interface Percentiles {
  p50: number
  p99: number
  p999: number
  max: number
}

export function percentiles(micros: Float64Array): Percentiles {
  const sorted = micros.slice().sort()
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number
  return { p50: at(0.5), p99: at(0.99), p999: at(0.999), max: sorted[sorted.length - 1] as number }
}

export function formatPercentiles({ p50, p99, p999, max }: Percentiles): string {
  const f = (n: number) => `${n.toFixed(1)} µs`.padStart(11)
  return `p50 ${f(p50)}  p99 ${f(p99)}  p999 ${f(p999)}  max ${f(max)}`
}
