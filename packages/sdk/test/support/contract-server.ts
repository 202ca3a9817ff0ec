// A small HTTP server that behaves like `POST /v1/events` (architecture §5, docs/api.md), for
// the SDK's tests: bearer API key bound to one tenant, 1–1000 events, the core's validation,
// all committed (201, one acknowledgement each, `duplicate` for ids it has) or none: 403
// `tenant_mismatch` when an event names another tenant, else 400 `invalid_event` with
// per-event details `{index, path, message}`; the API's codes and error shape throughout. It seals into memory by default, or through any seal function — the
// real Sealer on PostgreSQL in the end-to-end tests. Tests steer failures with `intercept`.

import { createHash } from 'node:crypto'
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { AuditEvent } from '@auditseal/core'
import { canonicalJson, validateEvent } from '@auditseal/core'
import type { SealedEventLike } from '../../src/index.js'

export type Seal = (tenantId: string, events: AuditEvent[]) => Promise<readonly SealedEventLike[]>

/** An answer to send instead of handling the request normally. */
export interface CannedAnswer {
  status: number
  body?: unknown
  headers?: Record<string, string>
  /** Destroy the socket without answering. */
  hangUp?: boolean
}

export interface ContractServerOptions {
  apiKey?: string
  tenantId?: string
  seal?: Seal
  port?: number
  /** An event this returns a message for is refused (400), as if the server's rules differed. */
  refuse?: (event: Record<string, unknown>) => string | undefined
  /** Answer a 201 as servers before `tenant_id` was added to it did: without it. */
  legacyAcknowledgement?: boolean
}

export interface ContractServer {
  url: string
  port: number
  apiKey: string
  tenantId: string
  /** Requests received, and the number of events in each. */
  batches: number[]
  /** Events sealed by the in-memory sealer, by id (not used with a custom seal). */
  sealed: Map<string, AuditEvent>
  /** Return an answer to short-circuit a request (after auth and parsing); undefined to handle it. */
  intercept: ((events: unknown[]) => CannedAnswer | undefined) | undefined
  close(): Promise<void>
}

const BODY_LIMIT = 4 * 1024 * 1024

export async function startContractServer(
  options: ContractServerOptions = {},
): Promise<ContractServer> {
  const apiKey = options.apiKey ?? 'ask_test_key'
  const tenantId = options.tenantId ?? '0190d0a8-7f3c-7b6e-9a2d-3c4b5a697887'
  const sealed = new Map<string, AuditEvent>()
  const seal = options.seal ?? memorySealer(sealed)
  const state: ContractServer = {
    url: '',
    port: 0,
    apiKey,
    tenantId,
    batches: [],
    sealed,
    intercept: undefined,
    close: async () => {},
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) =>
      send(response, 500, { error: { code: 'internal', message: String(error) } }),
    )
  })

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'POST' || request.url !== '/v1/events') {
      return send(response, 404, { error: { code: 'not_found', message: 'no such route' } })
    }
    if (request.headers.authorization !== `Bearer ${apiKey}`) {
      request.resume()
      return send(response, 401, { error: { code: 'unauthorized', message: 'bad credential' } })
    }
    const text = await readBody(request)
    if (text === undefined) {
      const error = { code: 'payload_too_large', message: 'the request body is too large' }
      return send(response, 413, { error })
    }
    let events: unknown
    try {
      events = (JSON.parse(text) as { events?: unknown }).events
    } catch {
      return send(response, 400, { error: { code: 'invalid_json', message: 'not JSON' } })
    }
    if (!Array.isArray(events) || events.length < 1 || events.length > 1000) {
      const error = { code: 'invalid_request', message: '1 to 1000 events' }
      return send(response, 400, { error })
    }
    state.batches.push(events.length)
    const canned = state.intercept?.(events)
    if (canned?.hangUp) {
      request.socket.destroy()
      return
    }
    if (canned) return send(response, canned.status, canned.body ?? {}, canned.headers)

    const details: { index: number; path: string; message: string }[] = []
    events.forEach((input: Record<string, unknown>, index) => {
      if (input.tenant_id !== undefined && input.tenant_id !== tenantId) {
        const message = `names another tenant; this credential writes to ${tenantId} only`
        details.push({ index, path: 'tenant_id', message })
      }
    })
    if (details.length > 0) {
      const message = "an event names another tenant than the credential's; nothing was stored"
      return send(response, 403, { error: { code: 'tenant_mismatch', message, details } })
    }
    const valid: AuditEvent[] = []
    events.forEach((input: Record<string, unknown>, index) => {
      const event = { ...input, tenant_id: tenantId }
      const result = validateEvent(event)
      if (!result.ok) {
        for (const issue of result.issues) details.push({ index, ...issue })
        return
      }
      const refusal = options.refuse?.(event)
      if (refusal !== undefined) details.push({ index, path: '', message: refusal })
      else valid.push(result.event)
    })
    if (details.length > 0) {
      return send(response, 400, {
        error: { code: 'invalid_event', message: `${details.length} issue(s)`, details },
      })
    }
    let results: readonly SealedEventLike[]
    try {
      results = await seal(tenantId, valid)
    } catch (error) {
      return send(
        response,
        503,
        { error: { code: 'unavailable', message: `seal failed: ${String(error)}` } },
        { 'retry-after': '0' },
      )
    }
    send(response, 201, {
      tenant_id: options.legacyAcknowledgement === true ? undefined : tenantId,
      events: results.map((r) => ({
        id: r.id,
        seq: r.seq,
        leaf_hash: r.leaf_hash ?? Buffer.from(r.leafHash ?? []).toString('base64'),
        status: r.status,
      })),
    })
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  state.port = port
  state.url = `http://127.0.0.1:${port}`
  state.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  return state
}

/** Seals into a map: per-tenant seq, dedupe by id, RFC 6962 leaf hash of the canonical form. */
function memorySealer(sealed: Map<string, AuditEvent>): Seal {
  const seqs = new Map<string, number>()
  const results = new Map<string, SealedEventLike>()
  return async (tenantId, events) =>
    events.map((input) => {
      const known = results.get(input.id)
      if (known) return { ...known, status: 'duplicate' as const }
      const seq = seqs.get(tenantId) ?? 0
      seqs.set(tenantId, seq + 1)
      const event = { ...input, recorded_at: new Date().toISOString() }
      const leaf = createHash('sha256')
        .update(Buffer.from([0]))
        .update(canonicalJson(event))
        .digest('base64')
      const result = { id: event.id, seq, leaf_hash: leaf, status: 'created' as const }
      results.set(event.id, result)
      sealed.set(event.id, event)
      return result
    })
}

function readBody(request: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    request.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= BODY_LIMIT) chunks.push(chunk)
    })
    request.on('end', () =>
      resolve(size > BODY_LIMIT ? undefined : Buffer.concat(chunks).toString('utf8')),
    )
    request.on('error', reject)
  })
}

function send(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (response.headersSent || response.destroyed) return
  const text = JSON.stringify(body)
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  })
  response.end(text)
}
