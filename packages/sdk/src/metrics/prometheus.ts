// Prometheus metrics for a logger, through the caller's own prom-client (passed in, so the
// SDK has no dependency on it): gauges and counters read stats() when the registry is
// scraped, and a histogram observes every delivery request as it ends.

import type { AuditLogger, AuditLoggerStats } from '../logger.js'

/**
 * The parts of prom-client used here (structural: any compatible version fits). Registries are
 * passed through untouched; `never` lets prom-client's own Registry type stand in for them.
 */
export interface PromClientLike {
  Gauge: new (config: {
    name: string
    help: string
    registers?: never[]
    collect?: (this: { set(value: number): void }) => void
  }) => unknown
  Counter: new (config: {
    name: string
    help: string
    registers?: never[]
    collect?: (this: { inc(value?: number): void }) => void
  }) => unknown
  Histogram: new (config: {
    name: string
    help: string
    labelNames?: string[]
    buckets?: number[]
    registers?: never[]
  }) => { observe(labels: Record<string, string>, value: number): void }
}

export interface AuditMetricsOptions {
  /** Prefix of every metric name (default `auditseal_sdk_`). */
  prefix?: string
  /** Registries to register with (default prom-client's global one). */
  registers?: unknown[]
}

type Numeric = {
  [K in keyof AuditLoggerStats]: AuditLoggerStats[K] extends number ? K : never
}[keyof AuditLoggerStats]

const GAUGES: [Numeric, string, string][] = [
  ['spooled', 'spooled_events', 'Events in the spool not yet acknowledged (queue depth).'],
  ['inFlight', 'in_flight_events', 'Events in batches being sent.'],
  ['spoolBytes', 'spool_bytes', 'Bytes the spool takes on disk.'],
  ['oldestUnackedMs', 'oldest_unacknowledged_seconds', 'Age of the oldest unacknowledged event.'],
]

const COUNTERS: [Numeric, string, string][] = [
  ['logged', 'logged_events_total', 'Events logged (spooled).'],
  ['acknowledged', 'acknowledged_events_total', 'Events acknowledged by the server.'],
  ['duplicates', 'duplicate_events_total', 'Events acknowledged as already sealed.'],
  ['retries', 'retries_total', 'Failed delivery attempts, retried.'],
  [
    'overflowed',
    'overflowed_events_total',
    'Events not recorded: the spool was full or unwritable.',
  ],
  ['deadLettered', 'dead_lettered_events_total', 'Events refused by the server, dead-lettered.'],
  ['corrupt', 'corrupt_regions_total', 'Damaged spool regions skipped.'],
]

/** Registers the logger's metrics with `prom` (e.g. `import * as prom from 'prom-client'`). */
export function registerAuditMetrics(
  logger: AuditLogger,
  prom: PromClientLike,
  options: AuditMetricsOptions = {},
): void {
  const prefix = options.prefix ?? 'auditseal_sdk_'
  const registers = options.registers as never[] | undefined
  for (const [key, name, help] of GAUGES) {
    const scale = key === 'oldestUnackedMs' ? 1 / 1000 : 1
    new prom.Gauge({
      name: prefix + name,
      help,
      ...(registers && { registers }),
      collect() {
        this.set(logger.stats()[key] * scale)
      },
    })
  }
  for (const [key, name, help] of COUNTERS) {
    // A counter only goes up: each scrape adds what stats() gained since the previous one.
    let reported = 0
    new prom.Counter({
      name: prefix + name,
      help,
      ...(registers && { registers }),
      collect() {
        const value = logger.stats()[key]
        if (value > reported) this.inc(value - reported)
        reported = Math.max(reported, value)
      },
    })
  }
  const latency = new prom.Histogram({
    name: `${prefix}send_duration_seconds`,
    help: 'Duration of delivery requests, by outcome.',
    labelNames: ['outcome'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    ...(registers && { registers }),
  })
  logger.on('sent', ({ durationMs, outcome }) => latency.observe({ outcome }, durationMs / 1000))
}
