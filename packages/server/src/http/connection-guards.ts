// What the API answers outside its routes: a request Node's HTTP parser refuses before Fastify
// sees it (a malformed request line, headers too large, a request that took too long to
// arrive), a request that arrives while the server shuts down, and the headers every answer
// carries. Each error is in the API's shape (`{"error":{"code","message"}}`), like every other.

import type { Socket } from 'node:net'
import type { FastifyInstance } from 'fastify'
import type { ApiErrorCode } from './errors.js'

/**
 * How long a client may take to send a whole request, headers and body (Fastify's default is
 * no limit: a client that sends headers and then stalls would hold its connection for good).
 * A 4 MiB body at 100 kB/s takes 40 s.
 */
export const REQUEST_TIMEOUT_MS = 60_000

/** Node's parser errors, by `error.code`, as the API's answers. */
const CLIENT_ERRORS: Readonly<
  Record<string, { status: number; code: ApiErrorCode; message: string }>
> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    code: 'invalid_request',
    message: 'the request headers are too large',
  },
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    code: 'invalid_request',
    message: 'the request did not arrive in time',
  },
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
}

/** Fastify's clientErrorHandler: answers in the API's shape, then closes the connection. */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy()
    return
  }
  const known = CLIENT_ERRORS[error.code ?? '']
  const status = known?.status ?? 400
  const body = JSON.stringify({
    error: {
      code: known?.code ?? 'invalid_request',
      message: known?.message ?? 'the request is not valid HTTP',
    },
  })
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Bad Request'}\r\n` +
      'content-type: application/json; charset=utf-8\r\n' +
      `content-length: ${Buffer.byteLength(body)}\r\n` +
      'x-content-type-options: nosniff\r\n' +
      'connection: close\r\n\r\n' +
      body,
  )
}

/**
 * Requests that arrive once shutdown began are answered 503 `unavailable` with Retry-After
 * (Fastify's own answer, `return503OnClosing`, is not in the API's shape).
 */
export function registerClosingAnswer(app: FastifyInstance): void {
  let closing = false
  app.addHook('preClose', async () => {
    closing = true
  })
  app.addHook('onRequest', async (request, reply) => {
    if (!closing) return
    reply.header('connection', 'close').header('retry-after', '1')
    return reply.code(503).send({
      error: { code: 'unavailable', message: 'the server is shutting down; retry later' },
    })
  })
}

/**
 * Headers on every answer: `nosniff`, so no browser reads a JSON answer or a file as anything
 * else; and `no-store` on the API's answers that carry no cache policy of their own — they hold
 * a tenant's audit log, which no shared or browser cache should keep.
 */
export function registerSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-content-type-options', 'nosniff')
    if (request.url.startsWith('/v1/') && !reply.hasHeader('cache-control')) {
      reply.header('cache-control', 'no-store')
    }
  })
}
