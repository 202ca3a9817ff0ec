// Request ids: a caller's (or a proxy's) `x-request-id` is kept when it is a sane token, so
// one id follows a request through every log; otherwise a new UUID. Either way the id is
// echoed in the response's `x-request-id` and is on every log line of the request.

import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { FastifyInstance } from 'fastify'

export const REQUEST_ID_HEADER = 'x-request-id'

// Printable, no spaces or quotes: safe to log and to put back in a header.
const SANE_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/

export function genReqId(request: IncomingMessage): string {
  const incoming = request.headers[REQUEST_ID_HEADER]
  return typeof incoming === 'string' && SANE_ID.test(incoming) ? incoming : randomUUID()
}

export function registerRequestIdEcho(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id)
  })
}
