// Failed device writes are audited from what the client was actually told: an onSend hook on
// the write routes reads the status and the rendered error body ({"error": {code, message,
// details?}}), whichever step failed — body parsing, validation, the store or the handler.
// 401 and 403 are left to the auth-failure hook (auth.* events), and 429 to the rate limiter:
// a flood of refused requests must not turn into a flood of device events.

import type { JsonObject, Target } from '@auditseal/core'
import type { FastifyReply, FastifyRequest, onSendHookHandler } from 'fastify'
import type { AuditSink } from '../audit-queue/sink.js'
import type { FailureInfo } from './device-events.js'
import { deviceFailure, requestedFields } from './device-events.js'
import { contextOf } from './event-context.js'
import { isGatewayUser } from './guard.js'

const NOT_AUDITED_HERE = new Set([401, 403, 429])

export interface FailureAuditOptions {
  sink: AuditSink
  operation: 'create' | 'update' | 'delete'
  /** The device the request was about (for a failed create: the id it would have had). */
  target: (request: FastifyRequest) => Target
}

export function failureAudit(options: FailureAuditOptions): onSendHookHandler {
  return function auditFailure(
    request: FastifyRequest,
    reply: FastifyReply,
    payload: unknown,
    done: (error: Error | null, payload?: unknown) => void,
  ) {
    try {
      const status = reply.statusCode
      const principal = request.principal
      if (status >= 400 && !NOT_AUDITED_HERE.has(status) && isGatewayUser(principal)) {
        const requested: JsonObject | undefined =
          options.operation === 'delete' ? undefined : requestedFields(request.body)
        options.sink.log(
          deviceFailure(
            contextOf(request, principal),
            options.operation,
            options.target(request),
            failureInfo(payload, status),
            requested,
          ),
        )
      }
    } catch {
      // Auditing never changes the answer; the sink counts what it could not take.
    }
    done(null, payload)
  }
}

/** The error code and message the client received, with the field-level details folded in. */
export function failureInfo(payload: unknown, status: number): FailureInfo {
  const fallback = {
    code: status >= 500 ? 'internal' : 'invalid_request',
    message: `HTTP ${status}`,
  }
  const text =
    typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString() : ''
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return fallback
  }
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } })
    ?.error
  if (typeof error?.code !== 'string' || typeof error.message !== 'string') return fallback
  const details = Array.isArray(error.details)
    ? error.details
        .map((d: { path?: unknown; message?: unknown }) =>
          [d?.path, d?.message].filter((part) => typeof part === 'string' && part !== '').join(' '),
        )
        .filter((line: string) => line !== '')
    : []
  return {
    code: error.code,
    message: details.length > 0 ? `${error.message}: ${details.join('; ')}` : error.message,
  }
}
