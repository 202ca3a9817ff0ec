// Per-credential rate limits (@fastify/rate-limit): a request with a valid credential counts
// against that credential's bucket, anything else (no, bad or expired credentials) against
// its IP address's (request.ip: the client's address behind a trusted proxy, see --trust-proxy,
// else the socket's peer). Keying by the *verified* credential, not by what the header claims,
// means nobody can spend someone else's budget by sending their key id with a wrong secret.

import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance } from 'fastify'
import type { RateLimitConfig } from '../config/types.js'
import type { Authenticate } from './auth/authenticate.js'
import { ApiError } from './errors.js'

export async function registerRateLimit(
  app: FastifyInstance,
  config: RateLimitConfig,
  authenticate: Authenticate,
): Promise<void> {
  await app.register(rateLimit, {
    global: true,
    max: config.max,
    timeWindow: config.windowMs,
    keyGenerator: async (request) => {
      // Only routes that need a credential authenticate; the others count per IP.
      if (request.routeOptions.config.roles === undefined) return addressKey(request.ip)
      const outcome = await authenticate(request)
      return 'principal' in outcome ? outcome.principal.credentialId : addressKey(request.ip)
    },
    errorResponseBuilder: (_request, context) =>
      new ApiError(
        'rate_limited',
        `rate limit of ${context.max} requests per ${config.windowMs / 1000} s exceeded; retry in ${context.after}`,
      ),
  })
}

/**
 * The bucket of an unauthenticated caller: its IPv4 address, or the /64 network of its IPv6
 * address (one host usually holds a whole /64, so counting per address would let it rotate).
 */
export function addressKey(ip: string): string {
  if (!ip.includes(':')) return `ip:${ip}`
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)
  if (mapped) return `ip:${mapped[1]}`
  const [head = '', tail] = ip.toLowerCase().split('::')
  const left = head === '' ? [] : head.split(':')
  const right = tail === undefined || tail === '' ? [] : tail.split(':')
  const groups = [
    ...left,
    ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'),
    ...right,
  ]
  return `ip6:${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`
}
