// Every 401 and 403 of the server becomes `auth.unauthorized` / `auth.forbidden` (§5): in the
// caller's tenant when a verified credential names one, else in the system tenant. A flood of
// bad requests must not flood the log, so each event needs a token from two buckets: one per
// source IP (the event's source.ip: the client behind a trusted proxy) and one per tenant. What the buckets hold back is counted, and the next event
// recorded in that tenant says how many were held back since the previous one
// (`data.suppressed`). A count no later event carries is not lost: once a minute, and when
// the server shuts down, each tenant's count goes into one `auth.suppressed` event.

import type { AuditEvent, Source } from '@auditseal/core'
import { SYSTEM_TENANT_ID } from '@auditseal/core'
import type { FastifyRequest } from 'fastify'
import type { AuditSink } from '../audit-queue/sink.js'
import type { PrincipalLike } from './event-context.js'
import { ANONYMOUS, actorOf, clip, gatewayEvent, sourceOf } from './event-context.js'
import type { TokenBucketOptions } from './token-buckets.js'
import { TokenBuckets } from './token-buckets.js'

/** What S1's onAuthFailure hook reports. */
export interface AuthFailure {
  status: number
  code: string
  reason: string
  request: FastifyRequest
  principal?: PrincipalLike | undefined
}

export interface AuthAuditOptions {
  /** Per source IP (default: a burst of 10, then 1 a second). */
  perIp?: TokenBucketOptions
  /** Per tenant, the system tenant included (default: a burst of 100, then 10 a second). */
  perTenant?: TokenBucketOptions
  now?: () => number
  /** How often held-back counts are written as `auth.suppressed` events (default 60 s). */
  summaryIntervalMs?: number
}

export interface AuthAuditStats {
  recorded: number
  suppressed: number
}

export class AuthFailureAuditor {
  private readonly perIp: TokenBuckets
  private readonly perTenant: TokenBuckets
  private readonly now: () => number
  /** Per tenant, events held back since the last one recorded there (bounded like the buckets). */
  private readonly heldBack = new Map<string, number>()
  private readonly counts: AuthAuditStats = { recorded: 0, suppressed: 0 }
  private readonly timer: NodeJS.Timeout

  constructor(
    private readonly sink: AuditSink,
    options: AuthAuditOptions = {},
  ) {
    this.perIp = new TokenBuckets(options.perIp ?? { capacity: 10, refillPerSecond: 1 })
    this.perTenant = new TokenBuckets(options.perTenant ?? { capacity: 100, refillPerSecond: 10 })
    this.now = options.now ?? Date.now
    this.timer = setInterval(() => this.writeHeldBack(), options.summaryIntervalMs ?? 60_000)
    this.timer.unref()
  }

  /**
   * Writes every tenant's held-back count as one `auth.suppressed` event and stops the
   * timer. Call it after the server stopped answering and before the sink closes.
   */
  close(): void {
    clearInterval(this.timer)
    this.writeHeldBack()
  }

  /** One `auth.suppressed` event per tenant with a held-back count, which starts again at 0. */
  writeHeldBack(): void {
    for (const [tenantId, count] of this.heldBack) this.writeSummary(tenantId, count)
    this.heldBack.clear()
  }

  private writeSummary(tenantId: string, count: number): void {
    try {
      this.sink.log(suppressedEvent(tenantId, count))
    } catch {
      // As in record: auditing never throws into the server.
    }
  }

  /** The onAuthFailure hook. Never throws: a failure to audit must not change the answer. */
  readonly record = (failure: AuthFailure): void => {
    try {
      const { request, principal } = failure
      const tenantId = principal?.tenantId ?? SYSTEM_TENANT_ID
      const source = sourceOf(request)
      const ipKey = source.ip ?? 'unknown'
      const now = this.now()
      if (!this.perIp.has(ipKey, now) || !this.perTenant.has(tenantId, now)) {
        this.counts.suppressed++
        this.holdBack(tenantId)
        return
      }
      this.perIp.take(ipKey, now)
      this.perTenant.take(tenantId, now)
      const suppressed = this.heldBack.get(tenantId) ?? 0
      this.heldBack.delete(tenantId)
      this.counts.recorded++
      this.sink.log(authEvent(failure, tenantId, source, suppressed))
    } catch {
      // The request is answered either way; the queue's own counters cover its failures.
    }
  }

  stats(): AuthAuditStats {
    return { ...this.counts }
  }

  private holdBack(tenantId: string): void {
    const count = (this.heldBack.get(tenantId) ?? 0) + 1
    this.heldBack.delete(tenantId)
    if (this.heldBack.size >= 10_000) {
      // The least recently counted tenant's count is written now rather than forgotten.
      const oldest = this.heldBack.entries().next()
      if (!oldest.done) {
        this.heldBack.delete(oldest.value[0])
        this.writeSummary(...oldest.value)
      }
    }
    this.heldBack.set(tenantId, count)
  }
}

/** How many auth events of a tenant the buckets held back that no later event reported. */
function suppressedEvent(tenantId: string, count: number): AuditEvent {
  return gatewayEvent(
    // Written by the server itself, for no one request.
    { tenantId, actor: { type: 'system', id: 'auditseal' }, source: {}, requestId: '' },
    {
      type: 'auth.suppressed',
      outcome: 'failure',
      target: { type: 'http_server', id: 'auditseal' },
      data: { suppressed: count },
    },
  )
}

function authEvent(
  failure: AuthFailure,
  tenantId: string,
  source: Source,
  suppressed: number,
): AuditEvent {
  const { request, principal } = failure
  const path = request.url.split('?')[0] ?? request.url
  // The route pattern, not the URL: a bounded set of targets, and no query strings in the log.
  const route = request.routeOptions?.url ?? path
  const data: Record<string, string | number> = { method: request.method, path: clip(path) }
  if (suppressed > 0) data.suppressed = suppressed
  return gatewayEvent(
    {
      tenantId,
      actor: principal ? actorOf(principal) : ANONYMOUS,
      source,
      requestId: clip(String(request.id)),
    },
    {
      type: failure.status === 403 ? 'auth.forbidden' : 'auth.unauthorized',
      outcome: 'failure',
      target: { type: 'http_route', id: clip(`${request.method} ${route}`) },
      error: { code: clip(failure.code), message: clip(failure.reason || 'unauthorized') },
      data,
    },
  )
}
