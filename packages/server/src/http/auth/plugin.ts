// Authentication and authorisation for every route of the app, the device gateway's included.
//
// A route declares the roles it needs in its config, any one of which suffices:
//
//   app.get('/devices', { config: requireRoles('operator') }, handler)
//
// The check runs in preParsing: after the rate limiter (onRequest), so floods of bad
// credentials are limited per IP, and before the body is read, so an unauthenticated client
// cannot make the server parse a large body. A missing, malformed, invalid or expired
// credential is 401 `unauthorized` (with WWW-Authenticate: Bearer); a valid one without the
// role is 403 `forbidden`. Every 401 and 403 answer of any route, however produced, is
// reported to onAuthFailure after it is sent.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ApiError } from '../errors.js'
import type { Authenticate } from './authenticate.js'
import type { AppRole, AuthFailure, OnAuthFailure, Principal } from './types.js'
import { isAppRole } from './types.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** Who made the request, once authenticated (routes with `config.roles` always are). */
    principal?: Principal
  }
  interface FastifyContextConfig {
    /** Roles of which the caller needs at least one; absent: the route is public. */
    roles?: readonly AppRole[]
  }
}

/** Route config for a route that needs one of `roles`: `{ config: requireRoles('operator') }`. */
export function requireRoles(...roles: AppRole[]): { roles: readonly AppRole[] } {
  if (roles.length === 0) throw new TypeError('requireRoles needs at least one role')
  return { roles }
}

/** What a 401 or 403 answer was about, noted by the error handler for the auth-failure hook. */
const failures = new WeakMap<FastifyRequest, { code: string; reason: string }>()

export function noteAuthFailure(request: FastifyRequest, error: ApiError): void {
  failures.set(request, { code: error.code, reason: error.reason ?? error.message })
}

export function registerAuth(
  app: FastifyInstance,
  options: { authenticate: Authenticate; onAuthFailure?: OnAuthFailure | undefined },
): void {
  const { authenticate, onAuthFailure } = options
  app.decorateRequest('principal', undefined)

  app.addHook('onRoute', (route) => {
    const roles = route.config?.roles
    if (roles === undefined) return
    // A typo in a role name would lock everyone out (or worse); fail at start instead.
    if (roles.length === 0 || !roles.every(isAppRole)) {
      throw new TypeError(`${route.method} ${route.url}: config.roles must name known roles`)
    }
  })

  app.addHook('preParsing', async (request) => {
    const roles = request.routeOptions.config.roles
    if (roles === undefined) return
    const outcome = await authenticate(request)
    if ('failure' in outcome) throw outcome.failure
    const { principal } = outcome
    if (!roles.some((role) => principal.roles.includes(role))) {
      const has = principal.roles.length === 0 ? 'none' : principal.roles.join(', ')
      throw new ApiError(
        'forbidden',
        `this needs the role ${roles.join(' or ')}; the credential has ${has}`,
        { reason: `${principal.subject} (roles: ${has}) needs ${roles.join(' or ')}` },
      )
    }
  })

  if (onAuthFailure !== undefined) {
    app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
      const status = reply.statusCode
      if (status !== 401 && status !== 403) return
      const noted = failures.get(request)
      const failure: AuthFailure = {
        status,
        code: noted?.code ?? (status === 401 ? 'unauthorized' : 'forbidden'),
        reason: noted?.reason ?? `answered ${status}`,
        request,
      }
      if (request.principal !== undefined) failure.principal = request.principal
      try {
        onAuthFailure(failure)
      } catch (error) {
        request.log.error({ err: error }, 'onAuthFailure failed')
      }
    })
  }
}
