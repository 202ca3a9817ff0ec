// buildApp: the HTTP service without the device gateway and the viewer. The serve composition
// registers those on the returned instance and calls listen(); nothing here listens.
//
// Order matters: plugins that watch routes (auth's role check, the rate limiter, OpenAPI)
// must be registered before any route, and the not-found handler after the rate limiter.

import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import Fastify from 'fastify'
import { Type } from 'typebox'
import { ApiError } from './errors.js'
import type { ServerConfig } from '../config/types.js'
import type { Store } from '../db/database.js'
import type { AuditLog } from '../store/audit-log.js'
import { ApiKeyVerifier } from './auth/api-keys.js'
import { createAuthenticator } from './auth/authenticate.js'
import { createJwtVerifier } from './auth/jwt.js'
import { registerAuth } from './auth/plugin.js'
import type { OnAuthFailure } from './auth/types.js'
import {
  registerErrorHandler,
  registerNotFoundHandler,
  sendFrameworkError,
} from './error-handler.js'
import { registerJsonBodyParser } from './json-body.js'
import { AppMetrics, registerMetrics } from './metrics.js'
import { registerOpenApi } from './openapi.js'
import { registerRateLimit } from './rate-limit.js'
import { genReqId, registerRequestIdEcho } from './request-id.js'
import {
  answerClientError,
  registerClosingAnswer,
  registerSecurityHeaders,
  REQUEST_TIMEOUT_MS,
} from './connection-guards.js'
import { registerOperationRoutes } from './routes/operations.js'
import { v1Routes } from './routes/v1/index.js'
import { strictValidatorCompiler } from './validation.js'

// Fastify's default (100) sends a longer path parameter to the not-found handler ("no route"),
// which hides the route's own, more useful 400 for an id that is merely too long.
const MAX_PARAM_LENGTH = 500

export interface BuildAppOptions {
  config: ServerConfig
  store: Store
  log: AuditLog
  /** pino options, or false for no logging; default `{ level: config.logLevel }`. */
  logger?: FastifyServerOptions['logger']
  /** Told about every 401 and 403 answer of any route (the gateway audits them). */
  onAuthFailure?: OnAuthFailure
  /** How long a client may take to send a request (default REQUEST_TIMEOUT_MS). */
  requestTimeoutMs?: number
}

/**
 * Query parameters are strict on every API and gateway route (docs/api.md): a route that takes
 * none gets a schema that allows none, so `?bogus=1` is a 400 there too, not silently ignored.
 * Registered before the routes (onRoute sees only routes added after it).
 */
function refuseUnknownQueryParameters(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/v1/') && !route.url.startsWith('/devices')) return
    if (route.schema?.querystring !== undefined) return
    route.schema = { ...route.schema, querystring: NO_QUERY }
  })
  // A repeated parameter arrives as a list, which a schema would call the wrong type: say what
  // it is, for each one repeated.
  app.addHook('preValidation', async (request) => {
    const query = request.query as Record<string, unknown> | undefined
    if (query === undefined || query === null) return
    const repeated = Object.keys(query).filter((name) => Array.isArray(query[name]))
    if (repeated.length === 0) return
    const details = repeated.map((name) => ({
      location: 'query',
      path: name,
      message: 'is given more than once; give it once',
    }))
    throw new ApiError(
      'invalid_request',
      details.map((d) => `query ${d.path} ${d.message}`).join('; '),
      { details },
    )
  })
}

const NO_QUERY = Type.Object({}, { additionalProperties: false })

export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { config, store, log } = options
  const app = Fastify({
    logger: options.logger ?? { level: config.logLevel },
    bodyLimit: config.bodyLimitBytes,
    genReqId,
    requestIdHeader: false,
    // Answered in the API's shape instead (connection-guards.ts).
    return503OnClosing: false,
    requestTimeout: options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
    clientErrorHandler: answerClientError,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: sendFrameworkError,
    // Without trusted proxies X-Forwarded-For is ignored. With them request.ip is the client's
    // address, and with it every event's source.ip, the auth-audit and rate-limit buckets and
    // the request log's remoteAddress. (An empty list would be truthy: leave it out.)
    ...(config.trustProxy !== undefined &&
      config.trustProxy.length > 0 && { trustProxy: [...config.trustProxy] }),
  })
  app.setValidatorCompiler(strictValidatorCompiler)
  refuseUnknownQueryParameters(app)
  registerRequestIdEcho(app)
  registerClosingAnswer(app)
  registerSecurityHeaders(app)
  registerErrorHandler(app)
  registerJsonBodyParser(app)

  const metrics = new AppMetrics()
  registerMetrics(app, metrics)

  const authenticate = createAuthenticator({
    // The primary: a new key works at once and a revoked one stops at once.
    apiKeys: new ApiKeyVerifier(store.write),
    jwt: createJwtVerifier(config.jwt),
  })
  registerAuth(app, { authenticate, onAuthFailure: options.onAuthFailure })
  await registerRateLimit(app, config.rateLimit, authenticate)
  registerNotFoundHandler(app)
  await registerOpenApi(app)

  registerOperationRoutes(app, { store, metrics })
  await app.register(v1Routes, { prefix: '/v1', ctx: { config, store, log, metrics } })
  return app
}
