// Who may use the device gateway: users with a JWT (§5: "JWT users; tenant from the token")
// holding the operator or admin role. The roles are checked by the server's auth plugin
// (config.roles, in preParsing); this adds what it cannot know: that an API key, even an admin
// one, is no user. Refusals are ApiErrors, so the one error handler renders them and the
// auth-failure hook records auth.unauthorized / auth.forbidden.

import type { FastifyRequest } from 'fastify'
import { requireRoles } from '../http/auth/plugin.js'
import type { Principal } from '../http/auth/types.js'
import { ApiError } from '../http/errors.js'

/** Route config: the caller needs one of these roles. */
export const GATEWAY_ROUTE_CONFIG = requireRoles('operator', 'admin')

/** True for a principal the gateway serves. */
export function isGatewayUser(principal: Principal | undefined): principal is Principal {
  return principal !== undefined && isUserWithRole(principal)
}

function isUserWithRole(principal: Principal): boolean {
  return (
    principal.kind === 'jwt' &&
    principal.roles.some((role) => GATEWAY_ROUTE_CONFIG.roles.includes(role))
  )
}

/** The gateway user of the request; throws 401 without a credential, 403 for anyone else. */
export function requireGatewayUser(request: FastifyRequest): Principal {
  const principal = request.principal
  if (principal === undefined) {
    throw new ApiError('unauthorized', undefined, { reason: 'no credential on a gateway route' })
  }
  if (!isUserWithRole(principal)) {
    throw new ApiError('forbidden', 'the device gateway accepts user tokens (JWT) only', {
      reason: `${principal.subject}: a ${principal.kind} credential on a gateway route`,
    })
  }
  return principal
}
