// Turns a request's `Authorization: Bearer <token>` into a Principal, once per request.
// API keys are recognised by their `ask_` prefix; anything else is read as a JWT.
//
// Authentication is lazy and remembered: the rate limiter asks first (to key its bucket by
// credential), the role check asks next, and the work is done once. Routes that need no
// role never pay for it.

import type { FastifyRequest } from 'fastify'
import { ApiError } from '../errors.js'
import type { ApiKeyVerifier } from './api-keys.js'
import { ApiKeyRejected, looksLikeApiKey } from './api-keys.js'
import type { JwtVerifier } from './jwt.js'
import { TokenKeysUnavailable, TokenRejected } from './jwt.js'
import type { Principal } from './types.js'

export type AuthOutcome = { principal: Principal } | { failure: ApiError }

export type Authenticate = (request: FastifyRequest) => Promise<AuthOutcome>

const BEARER = /^Bearer +([\x21-\x7e]+) *$/i

export function createAuthenticator(verifiers: {
  apiKeys: ApiKeyVerifier
  jwt: JwtVerifier | undefined
}): Authenticate {
  const outcomes = new WeakMap<FastifyRequest, Promise<AuthOutcome>>()
  return (request) => {
    let outcome = outcomes.get(request)
    if (outcome === undefined) {
      outcome = run(request, verifiers)
      outcomes.set(request, outcome)
    }
    return outcome
  }
}

async function run(
  request: FastifyRequest,
  verifiers: { apiKeys: ApiKeyVerifier; jwt: JwtVerifier | undefined },
): Promise<AuthOutcome> {
  const header = request.headers.authorization
  if (header === undefined || header === '') {
    return fail(
      'missing credentials: send Authorization: Bearer <API key or JWT>',
      'no Authorization header',
    )
  }
  const token = BEARER.exec(header)?.[1]
  if (token === undefined) {
    return fail(
      'malformed Authorization header: expected Bearer <API key or JWT>',
      'Authorization header is not a Bearer token',
    )
  }
  try {
    let principal: Principal
    if (looksLikeApiKey(token)) {
      principal = await verifiers.apiKeys.verify(token)
    } else if (verifiers.jwt !== undefined) {
      principal = await verifiers.jwt(token)
    } else {
      return fail(
        'invalid credentials',
        'a JWT was presented but JWT authentication is not configured',
      )
    }
    request.principal = principal
    return { principal }
  } catch (error) {
    if (error instanceof ApiKeyRejected) return fail('invalid API key', error.message)
    if (error instanceof TokenRejected) return fail(error.message, error.reason)
    if (error instanceof TokenKeysUnavailable) {
      request.log.error({ err: error }, 'JWT verification keys unavailable')
      const message = 'tokens cannot be verified right now; retry later'
      return { failure: new ApiError('unavailable', message, { headers: { 'retry-after': '5' } }) }
    }
    throw error // a database failure looking up an API key: the error handler answers 5xx
  }
}

function fail(message: string, reason: string): AuthOutcome {
  return { failure: new ApiError('unauthorized', message, { reason }) }
}
