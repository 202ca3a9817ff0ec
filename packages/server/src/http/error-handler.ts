// The one place errors become answers. Whatever was thrown (an ApiError, a route validation
// failure, a body the parser refused, a store or database error, a bug) is mapped to a code of
// the registry and rendered as {"error": {"code", "message", "details"?}}. A 5xx answer never
// carries the thrown message: it is logged with the request id, and the client gets the id.

import { InvalidEventError } from '@auditseal/core'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { DbError, retryAfterSeconds } from '../db/errors.js'
import { StoreError } from '../store/errors.js'
import { noteAuthFailure } from './auth/plugin.js'
import { ApiError, errorBody } from './errors.js'
import type { ApiErrorCode } from './errors.js'
import { REQUEST_ID_HEADER } from './request-id.js'
import { validationDetails } from './validation.js'

const JSON_TYPE = 'application/json; charset=utf-8'

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler(sendError)
}

/**
 * Fastify's `frameworkErrors`: a URL the router cannot read (malformed percent-encoding) is
 * refused before any route, hook or error handler is chosen, so Fastify would answer with its
 * own body. Answered here like every other error instead; no onRequest hook ran, so the
 * request id is echoed here too.
 */
export function sendFrameworkError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  reply.header(REQUEST_ID_HEADER, request.id)
  void sendError(error, request, reply)
}

function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const apiError = toApiError(error, request)
  if (apiError.statusCode >= 500) {
    request.log.error({ err: error, code: apiError.code }, 'request failed')
  } else {
    request.log.info({ code: apiError.code, reason: apiError.reason }, apiError.message)
  }
  if (apiError.statusCode === 401 || apiError.statusCode === 403) {
    noteAuthFailure(request, apiError)
  }
  if (apiError.statusCode === 401) {
    // RFC 6750 §3: say what scheme to use, and that a presented token was refused.
    const refused = request.headers.authorization !== undefined ? ', error="invalid_token"' : ''
    reply.header('www-authenticate', `Bearer realm="auditseal"${refused}`)
  }
  // An export may have named its file before failing; this answer is not that file.
  reply.removeHeader('content-disposition')
  return reply
    .code(apiError.statusCode)
    .headers(apiError.headers)
    .type(JSON_TYPE)
    .send(errorBody(apiError))
}

/** Unknown routes answer like every other error (and are rate-limited like them). */
export function registerNotFoundHandler(app: FastifyInstance): void {
  const preHandler = app.hasDecorator('rateLimit') ? app.rateLimit() : undefined
  app.setNotFoundHandler(preHandler ? { preHandler } : {}, (request) => {
    const path = request.url.split('?')[0] ?? ''
    const shown = path.length > 200 ? `${path.slice(0, 200)}…` : path
    throw new ApiError('not_found', `no route ${request.method} ${shown}`)
  })
}

/** Maps anything thrown while serving `request` to the ApiError that answers it. */
export function toApiError(error: unknown, request: FastifyRequest): ApiError {
  if (error instanceof ApiError) return error
  if (error instanceof InvalidEventError) {
    const details = error.issues.map(({ path, message }) => ({ path, message }))
    return new ApiError('invalid_event', undefined, { details })
  }
  if (error instanceof StoreError) return fromStoreError(error)
  if (error instanceof DbError && error.code === 'DATABASE_UNREACHABLE') {
    return new ApiError('unavailable', undefined, { headers: { 'retry-after': '5' }, cause: error })
  }
  const retryAfter = retryAfterSeconds(error)
  if (retryAfter !== undefined) {
    return new ApiError('unavailable', undefined, {
      headers: { 'retry-after': retryAfter },
      cause: error,
    })
  }
  if (isFastifyError(error)) {
    const mapped = fromFastifyError(error)
    if (mapped !== undefined) return mapped
  }
  return new ApiError(
    'internal',
    `an internal error occurred; quote request id ${request.id} when reporting it`,
    { cause: error },
  )
}

function fromStoreError(error: StoreError): ApiError {
  switch (error.code) {
    case 'TENANT_MISMATCH':
      return new ApiError('tenant_mismatch', error.message)
    case 'BATCH_TOO_LARGE':
      return new ApiError('invalid_request', error.message)
    case 'NOT_FOUND':
      return new ApiError('not_found', error.message)
    case 'TREE_SIZE_OUT_OF_RANGE':
      return new ApiError('tree_size_out_of_range', error.message)
    case 'INVALID_CURSOR':
      return new ApiError('invalid_cursor', error.message)
    case 'NOT_YET_REPLICATED':
      return new ApiError('not_yet_replicated', undefined, { headers: { 'retry-after': '1' } })
    case 'LOG_CORRUPT':
      return new ApiError('log_inconsistent', undefined, { cause: error })
  }
}

function isFastifyError(error: unknown): error is FastifyError {
  return error instanceof Error && typeof (error as FastifyError).code === 'string'
}

const URL_PROBLEMS: Readonly<Record<string, string>> = {
  FST_ERR_BAD_URL: 'the URL path is not valid: malformed percent-encoding',
  FST_ERR_MAX_PARAM_LENGTH: 'the URL path is not valid: a path parameter is too long',
}

/** Fastify's own 4xx errors; undefined for anything that must be answered as internal. */
function fromFastifyError(error: FastifyError): ApiError | undefined {
  if (error.validation !== undefined) {
    const details = validationDetails(
      error.validation as Parameters<typeof validationDetails>[0],
      error.validationContext ?? 'request',
    )
    const shown = details
      .slice(0, 3)
      .map((d) => `${d.location}${d.path ? ` ${d.path}` : ''} ${d.message}`)
    const more = details.length > shown.length ? `; and ${details.length - shown.length} more` : ''
    return new ApiError('invalid_request', `${shown.join('; ')}${more}`, { details })
  }
  const byCode: Record<string, ApiErrorCode> = {
    FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
    FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
    FST_ERR_CTP_INVALID_TYPE: 'unsupported_media_type',
    FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
    FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
    FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_request',
  }
  const code = byCode[error.code]
  if (code !== undefined) return new ApiError(code, undefined, { reason: error.message })
  // The router's (frameworkErrors): Fastify's messages quote the whole path, of any length.
  const urlProblem = URL_PROBLEMS[error.code]
  if (urlProblem !== undefined) {
    return new ApiError('invalid_request', urlProblem, { reason: error.message })
  }
  const status = error.statusCode ?? 500
  if (status >= 500 || status < 400 || !error.code.startsWith('FST_')) return undefined
  // The viewer's static files refuse a path that leaves their folder (`/../x`, `//etc`, a NUL)
  // as 403 Forbidden: to the client that is a file that does not exist.
  if (status === 403) return new ApiError('not_found', 'no such file', { reason: error.message })
  const byStatus: Record<number, ApiErrorCode> = {
    404: 'not_found',
    413: 'payload_too_large',
    415: 'unsupported_media_type',
    429: 'rate_limited',
  }
  // Fastify's 4xx messages describe the request, never the server, so they may be shown.
  return new ApiError(byStatus[status] ?? 'invalid_request', error.message)
}
