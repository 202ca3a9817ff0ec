// What route handlers get: the configuration, the store and the audit log, the metrics.

import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify'
import type { ServerConfig } from '../config/types.js'
import type { Store } from '../db/database.js'
import type { AuditLog } from '../store/audit-log.js'
import type { Principal } from './auth/types.js'
import { ApiError } from './errors.js'
import type { AppMetrics } from './metrics.js'

export interface ApiContext {
  config: ServerConfig
  store: Store
  log: AuditLog
  metrics: AppMetrics
}

/** The app as routes see it: request and reply types inferred from TypeBox schemas. */
export type ApiApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>

/** The caller of a route that declared roles (the auth hook has authenticated it). */
export function principalOf(request: FastifyRequest): Principal {
  const principal = request.principal
  if (principal === undefined) {
    // Only a route registered without config.roles gets here: a bug, not the client's fault.
    throw new ApiError('internal', undefined, { reason: 'route read the principal without roles' })
  }
  return principal
}

/** The sending part of a reply, whatever the route's response schema says it sends. */
interface Sender<R> {
  send(payload: never): R
}

/**
 * Sends a body the route built itself: JSON text spliced from the stored canonical text of
 * events (re-serializing could reorder or drop members of what was hashed), or a stream. The
 * route's response schema documents such a body; it does not serialize it.
 */
export function sendPrebuilt<R>(reply: Sender<R>, body: string | NodeJS.ReadableStream): R {
  return reply.send(body as never)
}
