// A Fastify plugin: `request.audit(type, fields)` logs an event with everything the request
// already knows filled in — tenant, actor, source ip, user agent, request id. Typed against
// Fastify's types, with no runtime dependency on Fastify (type imports only).

import type { Actor, EventError, JsonObject, Outcome, Target } from '@auditseal/core'
import { isIpAddress, MAX_STRING } from '@auditseal/core'
import type { FastifyInstance, FastifyPluginCallback, FastifyRequest } from 'fastify'
import type { AuditEventInput } from './event.js'
import type { AuditLogger } from './logger.js'

/** What a route adds to the request's context; `outcome` defaults to failure when `error` is given. */
export interface RequestAuditFields {
  outcome?: Outcome
  target?: Target
  error?: EventError
  data?: JsonObject
  /** Overrides the resolved actor (e.g. for a system action taken on a user's behalf). */
  actor?: Actor
  id?: string
  occurred_at?: string
}

export type RequestAudit = (type: string, fields?: RequestAuditFields) => void

declare module 'fastify' {
  interface FastifyRequest {
    /** Logs an audit event about this request (see @auditseal/sdk's auditPlugin). */
    audit: RequestAudit
  }
}

/** The shape of `request.principal` the defaults read (as the auditseal server sets it). */
interface PrincipalLike {
  kind?: string
  subject?: string
  tenantId?: string
  credentialId?: string
}

export interface AuditPluginOptions {
  logger: Pick<AuditLogger, 'log'>
  /**
   * The request's tenant; default `request.principal?.tenantId`. Undefined leaves it to the
   * logger's default tenant or (over HTTP) to the server, from the credential.
   */
  tenant?: (request: FastifyRequest) => string | undefined
  /**
   * Who acts; default from `request.principal`: an API key as `api_key` (its credential id),
   * anything else as `user` (its subject); `anonymous` without a principal.
   */
  actor?: (request: FastifyRequest) => Actor
}

function principalOf(request: FastifyRequest): PrincipalLike | undefined {
  const principal = (request as { principal?: unknown }).principal
  return typeof principal === 'object' && principal !== null
    ? (principal as PrincipalLike)
    : undefined
}

function defaultTenant(request: FastifyRequest): string | undefined {
  return principalOf(request)?.tenantId
}

function defaultActor(request: FastifyRequest): Actor {
  const principal = principalOf(request)
  if (principal?.subject === undefined) return { type: 'anonymous', id: 'anonymous' }
  if (principal.kind === 'api_key') {
    return { type: 'api_key', id: clip(principal.credentialId ?? principal.subject) }
  }
  return { type: 'user', id: clip(principal.subject) }
}

const plugin = (
  fastify: FastifyInstance,
  options: AuditPluginOptions,
  done: (error?: Error) => void,
): void => {
  if (typeof options?.logger?.log !== 'function') {
    done(new TypeError('auditPlugin: options.logger must be an audit logger (createAuditLogger)'))
    return
  }
  const { logger } = options
  const tenantOf = options.tenant ?? defaultTenant
  const actorOf = options.actor ?? defaultActor
  // A function decorator: `this` is the request, so nothing is allocated per request.
  fastify.decorateRequest(
    'audit',
    function audit(this: FastifyRequest, type: string, fields: RequestAuditFields = {}) {
      logger.log(requestEvent(this, type, fields, tenantOf(this), fields.actor ?? actorOf(this)))
    },
  )
  done()
}

// Not encapsulated (as fastify-plugin would mark it): every route of the app gets request.audit.
Object.assign(plugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: '@auditseal/sdk',
})

/** `app.register(auditPlugin, { logger })`. */
export const auditPlugin: FastifyPluginCallback<AuditPluginOptions> = plugin

function requestEvent(
  request: FastifyRequest,
  type: string,
  fields: RequestAuditFields,
  tenantId: string | undefined,
  actor: Actor,
): AuditEventInput {
  const event: AuditEventInput = {
    type,
    outcome: fields.outcome ?? (fields.error ? 'failure' : 'success'),
    actor,
  }
  if (tenantId !== undefined) event.tenant_id = tenantId
  if (fields.id !== undefined) event.id = fields.id
  if (fields.occurred_at !== undefined) event.occurred_at = fields.occurred_at
  if (fields.target !== undefined) event.target = fields.target
  const source = sourceOf(request)
  if (source.ip !== undefined || source.user_agent !== undefined) event.source = source
  event.request_id = clip(String(request.id))
  if (fields.error !== undefined) event.error = fields.error
  if (fields.data !== undefined) event.data = fields.data
  return event
}

/**
 * The client's address and user agent, made to fit the envelope: what a client sends must
 * never make the event invalid (an over-long header, an IPv4-mapped IPv6 address).
 */
function sourceOf(request: FastifyRequest): { ip?: string; user_agent?: string } {
  const source: { ip?: string; user_agent?: string } = {}
  const raw = request.ip
  const ip = raw?.startsWith('::ffff:') ? raw.slice(7) : raw
  if (ip && isIpAddress(ip)) source.ip = ip
  const agent = request.headers['user-agent']
  if (typeof agent === 'string' && agent !== '') source.user_agent = clip(agent)
  return source
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/**
 * Replaces what the envelope refuses in its strings (lone surrogates, NUL) with U+FFFD and
 * cuts to MAX_STRING code points.
 */
function clip(text: string): string {
  const wellFormed = text.replace(LONE_SURROGATE, '\uFFFD').replaceAll('\u0000', '\uFFFD')
  if (wellFormed.length <= MAX_STRING) return wellFormed
  return Array.from(wellFormed).slice(0, MAX_STRING).join('')
}
