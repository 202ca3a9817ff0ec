// The parts every gateway event shares: who (the actor), from where (source), and which
// request (request_id). Values from the request are clipped to the envelope's limits (§2), so
// an event is never refused because a client sent an over-long header.

import type { Actor, AuditEvent, Source } from '@auditseal/core'
import { isIpAddress, MAX_STRING, uuidv7 } from '@auditseal/core'
import type { FastifyRequest } from 'fastify'

/** What the gateway needs of S1's `request.principal`. */
export interface PrincipalLike {
  kind: string
  subject: string
  tenantId: string
  roles: readonly string[]
  credentialId?: string
}

export interface EventContext {
  tenantId: string
  actor: Actor
  source: Source
  /** '' for an event no one request caused (no request_id then). */
  requestId: string
}

/** The actor of a principal: a JWT user is `user` with the token's sub (§5). */
export function actorOf(principal: PrincipalLike): Actor {
  if (principal.kind === 'api_key') {
    return { type: 'api_key', id: clip(principal.credentialId ?? principal.subject) }
  }
  return { type: 'user', id: clip(principal.subject) }
}

export const ANONYMOUS: Actor = Object.freeze({ type: 'anonymous', id: 'anonymous' }) as Actor

export function sourceOf(request: FastifyRequest): Source {
  const source: Source = {}
  // request.ip is the socket's peer, or, when that peer is a trusted proxy (--trust-proxy),
  // the client X-Forwarded-For names; an entry that is not an address literal is left out.
  // IPv4-mapped IPv6 addresses are written as the IPv4 address they carry.
  const ip = request.ip?.startsWith('::ffff:') ? request.ip.slice(7) : request.ip
  if (ip && isIpAddress(ip)) source.ip = ip
  const agent = request.headers['user-agent']
  if (typeof agent === 'string' && agent !== '') source.user_agent = clip(agent)
  return source
}

export function contextOf(request: FastifyRequest, principal: PrincipalLike): EventContext {
  return {
    tenantId: principal.tenantId,
    actor: actorOf(principal),
    source: sourceOf(request),
    requestId: clip(String(request.id)),
  }
}

/** A v1 envelope with the shared members filled in; `rest` adds type, outcome, target, … */
export function gatewayEvent(
  context: EventContext,
  rest: Pick<AuditEvent, 'type' | 'outcome'> &
    Partial<Pick<AuditEvent, 'target' | 'error' | 'data'>>,
): AuditEvent {
  const event: AuditEvent = {
    v: 1,
    id: uuidv7(),
    tenant_id: context.tenantId,
    type: rest.type,
    outcome: rest.outcome,
    occurred_at: new Date().toISOString(),
    actor: context.actor,
  }
  if (rest.target) event.target = rest.target
  if (context.source.ip !== undefined || context.source.user_agent !== undefined) {
    event.source = context.source
  }
  if (context.requestId !== '') event.request_id = context.requestId
  if (rest.error) event.error = rest.error
  if (rest.data) event.data = rest.data
  return event
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/**
 * Makes a client-supplied string fit the envelope: lone surrogates (which no UTF-8 text can
 * hold) and U+0000 (which no PostgreSQL text column can) become U+FFFD — the validator refuses
 * both, and a refused event would be an action left unaudited — and the text is cut to `max`
 * code points (the 1,024-character limit, counted as JSON Schema counts).
 */
export function clip(text: string, max = MAX_STRING): string {
  const wellFormed = text.replace(LONE_SURROGATE, '\uFFFD').replaceAll('\u0000', '\uFFFD')
  if (wellFormed.length <= max) return wellFormed
  return Array.from(wellFormed).slice(0, max).join('')
}
