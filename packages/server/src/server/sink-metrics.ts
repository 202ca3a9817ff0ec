// The audit sink's and the auth auditor's counters as Prometheus metrics, read at scrape time:
//
//   auditseal_audit_queue_pending_events                             gauge
//   auditseal_audit_queue_events_total{outcome="sealed"|"retried"|"overflowed"|"invalid"|
//                                      "rejected"|"refused_closed"}  counter
//   auditseal_auth_events_suppressed_total                           counter
//
// An operator alerts on overflowed/rejected > 0 and on pending that keeps growing.

import type { FastifyInstance } from 'fastify'
import { Counter, Gauge } from 'prom-client'
import type { AuditSink } from '../audit-queue/sink.js'
import type { AuthFailureAuditor } from '../gateway/auth-audit.js'

export function registerSinkMetrics(
  app: FastifyInstance,
  sink: AuditSink,
  auth: AuthFailureAuditor,
): void {
  const registry = app.auditsealMetrics?.registry
  if (registry === undefined) return
  new Gauge({
    name: 'auditseal_audit_queue_pending_events',
    help: 'Audit events accepted by the in-process queue and not yet sealed',
    registers: [registry],
    collect() {
      this.set(sink.stats().pending)
    },
  })
  new Counter({
    name: 'auditseal_audit_queue_events_total',
    help: 'Audit events through the in-process queue, by outcome',
    labelNames: ['outcome'] as const,
    registers: [registry],
    collect() {
      const stats = sink.stats()
      this.reset()
      this.inc({ outcome: 'sealed' }, stats.sealed)
      this.inc({ outcome: 'retried' }, stats.retries)
      this.inc({ outcome: 'overflowed' }, stats.overflowed)
      this.inc({ outcome: 'invalid' }, stats.invalid)
      this.inc({ outcome: 'rejected' }, stats.rejected)
      this.inc({ outcome: 'refused_closed' }, stats.refusedClosed)
    },
  })
  new Counter({
    name: 'auditseal_auth_events_suppressed_total',
    help: 'auth.unauthorized/auth.forbidden events held back by the per-IP and per-tenant limits',
    registers: [registry],
    collect() {
      this.reset()
      this.inc(auth.stats().suppressed)
    },
  })
}
