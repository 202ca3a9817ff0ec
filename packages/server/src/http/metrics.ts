// Prometheus metrics of one app, in a registry the app owns (not prom-client's global one,
// so two apps in one process, as in tests, never share or clash).
//
//   auditseal_http_request_duration_seconds{route,method,status_code}   histogram
//   auditseal_events_sealed_total{status="created"|"duplicate"}        counter
//   auditseal_seal_duration_seconds                                     histogram
//   auditseal_checkpoint_age_seconds{tenant_id}                          gauge
//
// Labels are bounded: `route` is the route's pattern (`/v1/events/:id`), never the URL, and
// `unmatched` for 404s; checkpoint ages are kept for at most MAX_TENANTS tenants.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Counter, Gauge, Histogram, Registry } from 'prom-client'

/** Tenants whose checkpoint age is exported; the least recently seen are dropped first. */
export const MAX_TENANTS = 1000

export class AppMetrics {
  readonly registry = new Registry()
  readonly httpDuration = new Histogram({
    name: 'auditseal_http_request_duration_seconds',
    help: 'HTTP request duration, by route pattern, method and status code',
    labelNames: ['route', 'method', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  })
  readonly eventsSealed = new Counter({
    name: 'auditseal_events_sealed_total',
    help: 'Events acknowledged by POST /v1/events: created, or duplicate of one already sealed',
    labelNames: ['status'] as const,
    registers: [this.registry],
  })
  readonly sealDuration = new Histogram({
    name: 'auditseal_seal_duration_seconds',
    help: 'Time to seal one batch (one database transaction)',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  })
  /** tenant → created_at (ms) of the newest checkpoint seen; Map order = least recent first. */
  private readonly checkpointTimes = new Map<string, number>()

  constructor(private readonly clock: () => number = Date.now) {
    const times = this.checkpointTimes
    const now = () => this.clock()
    new Gauge({
      name: 'auditseal_checkpoint_age_seconds',
      help: 'Seconds since the newest checkpoint this process has seen for the tenant was signed',
      labelNames: ['tenant_id'] as const,
      registers: [this.registry],
      // Computed at scrape time, so the age grows between scrapes even when nothing happens.
      collect() {
        this.reset()
        const at = now()
        for (const [tenantId, createdAt] of times) {
          this.set({ tenant_id: tenantId }, Math.max(0, (at - createdAt) / 1000))
        }
      },
    })
  }

  /**
   * Records a checkpoint of the tenant (from the API's reads, or from the checkpointer via
   * the serve composition). An older checkpoint than the one already seen is ignored.
   */
  observeCheckpoint(tenantId: string, createdAt: Date): void {
    const time = createdAt.getTime()
    const known = this.checkpointTimes.get(tenantId)
    if (known !== undefined && known >= time) return
    this.checkpointTimes.delete(tenantId)
    this.checkpointTimes.set(tenantId, time)
    if (this.checkpointTimes.size > MAX_TENANTS) {
      const oldest = this.checkpointTimes.keys().next().value
      if (oldest !== undefined) this.checkpointTimes.delete(oldest)
    }
  }

  observeSeal(seconds: number, statuses: readonly ('created' | 'duplicate')[]): void {
    this.sealDuration.observe(seconds)
    let created = 0
    for (const status of statuses) if (status === 'created') created++
    if (created > 0) this.eventsSealed.inc({ status: 'created' }, created)
    if (statuses.length > created) {
      this.eventsSealed.inc({ status: 'duplicate' }, statuses.length - created)
    }
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The app's metrics; the serve composition feeds it the checkpointer's checkpoints. */
    auditsealMetrics: AppMetrics
  }
}

/** Times every request and serves GET /metrics in the Prometheus text format. */
export function registerMetrics(app: FastifyInstance, metrics: AppMetrics): void {
  app.decorate('auditsealMetrics', metrics)
  app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    metrics.httpDuration.observe(
      {
        route: request.routeOptions.url ?? 'unmatched',
        method: request.method,
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    )
  })
}
