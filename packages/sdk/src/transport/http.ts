// `POST /v1/events` (architecture §5): `{"events":[...]}`, 1 to 1000 events, all committed
// (201, one acknowledgement each) or none (400 `invalid_event` naming each invalid event in
// its details; 403 `tenant_mismatch` naming the events that name another tenant than the
// credential's: dead-lettered when they are some of the batch, or all of it once the
// credential's tenant is confirmed and none of them names it; see tenantMismatch).
// The body is spliced from the spooled JSON bytes, never parsed or re-serialized on the way out.

import * as http from 'node:http'
import * as https from 'node:https'
import { errorMessage } from '../errors.js'
import { parseRetryAfter } from '../sender/backoff.js'
import { ABORTED, unlessAborted } from './abort.js'
import type {
  Acknowledgement,
  EventRefusal,
  OutboundEvent,
  SendResult,
  Transport,
} from './types.js'

/** The API's limit per request. */
export const HTTP_MAX_BATCH = 1000
/** Answers larger than this are not read to the end (a 201 for 1000 events is ~150 KB). */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024

export interface HttpTransportOptions {
  /** The audit API's base URL, e.g. `https://audit.internal:3000`; events go to `<url>/v1/events`. */
  url: string
  /** The bearer credential: an API key with the `ingest` scope, or a JWT (a function is asked before each request, so it may refresh). */
  credential: string | (() => string | Promise<string>)
  requestTimeoutMs: number
  /** Connections kept open to the server (one per batch in flight). */
  maxSockets: number
  /** The logger's tenantId, if any: taken as the credential's tenant (see tenantMismatch). */
  tenantId?: string
}

export function createHttpTransport(options: HttpTransportOptions): Transport {
  const base = options.url.endsWith('/') ? options.url : `${options.url}/`
  const endpoint = new URL('v1/events', base)
  const client = endpoint.protocol === 'https:' ? https : http
  const agent = new client.Agent({ keepAlive: true, maxSockets: options.maxSockets })
  const credential = options.credential
  const name = endpoint.toString()
  // The tenant the server acknowledged events of for this credential: looked for only until
  // found, so once it is known an acknowledgement costs nothing more.
  let acknowledgedTenant: string | undefined
  const confirmedTenants = (): string[] =>
    [options.tenantId, acknowledgedTenant].filter((t): t is string => t !== undefined)

  return {
    name,
    requiresTenant: false,
    maxBatch: HTTP_MAX_BATCH,
    async send(events, signal) {
      let token: string | typeof ABORTED
      try {
        // A credential function that never answers must not hold close() up.
        token =
          typeof credential === 'function'
            ? await unlessAborted(Promise.resolve().then(credential), signal)
            : credential
      } catch (error) {
        return { kind: 'retry', message: `could not get a credential: ${errorMessage(error)}` }
      }
      if (token === ABORTED) return { kind: 'retry', message: 'stopped while getting a credential' }
      const body = encodeBody(events)
      const answer = await post(client, endpoint, {
        agent,
        body,
        signal,
        timeoutMs: options.requestTimeoutMs,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': String(body.length),
          'user-agent': 'auditseal-sdk/0.1.0',
        },
      })
      if ('error' in answer) {
        return { kind: 'retry', message: `cannot reach ${name}: ${errorMessage(answer.error)}` }
      }
      const result = classify(answer, events, confirmedTenants())
      if (result.kind === 'acknowledged' && acknowledgedTenant === undefined) {
        // The server says whose log it sealed into; an older one does not, and then an event
        // that named its tenant_id tells.
        acknowledgedTenant = result.tenant ?? firstTenant(events)
      }
      return result
    },
    async close() {
      agent.destroy()
    },
  }
}

const OPEN = Buffer.from('{"events":[')
const COMMA = Buffer.from(',')
const CLOSE = Buffer.from(']}')

function encodeBody(events: readonly OutboundEvent[]): Buffer {
  const parts: Buffer[] = [OPEN]
  events.forEach((event, i) => {
    if (i > 0) parts.push(COMMA)
    parts.push(event.payload)
  })
  parts.push(CLOSE)
  return Buffer.concat(parts)
}

interface Answer {
  status: number
  retryAfter: string | undefined
  text: string
}

interface PostOptions {
  agent: http.Agent
  body: Buffer
  headers: Record<string, string>
  signal: AbortSignal
  timeoutMs: number
}

function post(
  client: typeof http | typeof https,
  url: URL,
  options: PostOptions,
): Promise<Answer | { error: unknown }> {
  return new Promise((resolve) => {
    const request = client.request(
      url,
      { method: 'POST', agent: options.agent, headers: options.headers, signal: options.signal },
      (response) => {
        const chunks: Buffer[] = []
        let size = 0
        response.on('data', (chunk: Buffer) => {
          size += chunk.length
          if (size <= MAX_RESPONSE_BYTES) chunks.push(chunk)
        })
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            retryAfter: header(response.headers['retry-after']),
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        )
        response.on('error', (error) => resolve({ error }))
      },
    )
    request.setTimeout(options.timeoutMs, () =>
      request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)),
    )
    request.on('error', (error) => resolve({ error }))
    request.end(options.body)
  })
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

/** A classified answer; an acknowledgement also carries the tenant the server named, if any. */
type Classified =
  Refused | { kind: 'acknowledged'; acks: Acknowledgement[]; tenant: string | undefined }

type Refused = Exclude<SendResult, { kind: 'acknowledged' }>

/** What an answer means for the batch (architecture §5). */
function classify(
  answer: Answer,
  events: readonly OutboundEvent[],
  confirmedTenants: readonly string[],
): Classified {
  const { status } = answer
  if (status === 200 || status === 201) {
    const parsed = parseAcknowledgements(answer.text, events)
    if (typeof parsed === 'string') {
      // Unknown whether it committed: sending again is safe (ids make it idempotent).
      return { kind: 'retry', status, message: `malformed acknowledgement: ${parsed}` }
    }
    return { kind: 'acknowledged', ...parsed }
  }
  const error = parseError(answer.text)
  const said = error.message ?? (answer.text.slice(0, 200) || '(no body)')
  const retryAfterMs = parseRetryAfter(answer.retryAfter)
  if (error.code === 'tenant_mismatch') {
    return tenantMismatch(status, said, error.details, events, confirmedTenants, retryAfterMs)
  }
  // Refusals of the whole batch that no event can be blamed for: a configuration to fix.
  if (status === 401 || status === 403) {
    return {
      kind: 'retry',
      status,
      message: `the server refused the credential (${status}: ${said}); events stay spooled until it is fixed`,
      retryAfterMs,
    }
  }
  // 400/422: the batch as a whole is refused (nothing committed); 413: too big as it is.
  if (status === 400 || status === 413 || status === 422) {
    const message = `${status}: ${said}${describeDetails(error.details)}`
    // Only `invalid_event` names events (details[].index); anything else is bisected.
    const invalid =
      status === 400 && error.code === 'invalid_event'
        ? namedEvents(error.details, events.length, `${status}: ${said}`)
        : undefined
    return { kind: 'rejected', status, message, details: error.details, invalid }
  }
  return { kind: 'retry', status, message: `${status}: ${said}`, retryAfterMs }
}

/**
 * A `tenant_mismatch` answer: the events it names (details[].index, path `tenant_id`) name
 * another tenant than the credential's. When they are some of the batch, those events are
 * wrong, not the credential: refused for good, like invalid ones, so the rest moves on. When
 * they are all of it, they are wrong too if each names a tenant other than every confirmed
 * one (`confirmedTenants`: the logger's tenantId, the tenant the server named in an
 * acknowledgement or, from an older server, the tenant_id of an acknowledged event).
 * Otherwise — none named, no tenant confirmed yet (a wrong key from the start), or one named
 * event of a confirmed tenant (the credential changed) — the credential most likely is wrong:
 * retried, for an operator to fix, and the events stay safe in the spool.
 */
function tenantMismatch(
  status: number,
  said: string,
  details: unknown,
  events: readonly OutboundEvent[],
  confirmedTenants: readonly string[],
  retryAfterMs: number | undefined,
): Refused {
  const why = "the event's tenant differs from the credential's"
  const aboutTenant = Array.isArray(details)
    ? details.filter((d: { path?: unknown } | null) => d?.path === 'tenant_id')
    : undefined
  const named = namedEvents(aboutTenant, events.length, `${why} (${status}: ${said})`)
  if (
    named !== undefined &&
    (named.length < events.length || allStrays(named, events, confirmedTenants))
  ) {
    const message = `${status}: ${said}${describeDetails(details)}`
    return { kind: 'rejected', status, message, details, invalid: named }
  }
  return {
    kind: 'retry',
    status,
    message: `the server refused the events' tenant (${status}: ${said}): the credential is for another tenant than the events — the logger's tenantId (or the events' tenant_id) is not the credential's tenant; events stay spooled until it is fixed`,
    retryAfterMs,
  }
}

/** Whether a tenant is confirmed and every named event names another one. */
function allStrays(
  named: readonly EventRefusal[],
  events: readonly OutboundEvent[],
  confirmedTenants: readonly string[],
): boolean {
  if (confirmedTenants.length === 0) return false
  return named.every(({ index }) => {
    const tenant = tenantOf(events[index] as OutboundEvent)
    return tenant !== undefined && !confirmedTenants.includes(tenant)
  })
}

/** The tenant_id of the first event that names one (an acknowledged batch has one tenant). */
function firstTenant(events: readonly OutboundEvent[]): string | undefined {
  for (const event of events) {
    const tenant = tenantOf(event)
    if (tenant !== undefined) return tenant
  }
  return undefined
}

const TENANT_KEY = Buffer.from('"tenant_id"')

/** The event's tenant_id; undefined when it names none (the server takes the credential's). */
function tenantOf(event: OutboundEvent): string | undefined {
  // Most tenant-less events are told by a byte search, without parsing them.
  if (!event.payload.includes(TENANT_KEY)) return undefined
  try {
    const tenant = (JSON.parse(event.payload.toString('utf8')) as { tenant_id?: unknown } | null)
      ?.tenant_id
    return typeof tenant === 'string' ? tenant : undefined
  } catch {
    return undefined
  }
}

/** The events an answer names by index (details[].index), each with its own details. */
function namedEvents(details: unknown, count: number, said: string): EventRefusal[] | undefined {
  if (!Array.isArray(details)) return undefined
  const byIndex = new Map<number, unknown[]>()
  for (const detail of details as unknown[]) {
    const index = (detail as { index?: unknown } | null)?.index
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= count)
      continue
    const list = byIndex.get(index) ?? []
    list.push(detail)
    byIndex.set(index, list)
  }
  if (byIndex.size === 0) return undefined
  return [...byIndex].map(([index, own]) => ({
    index,
    message: `${said}${describeDetails(own)}`,
    details: own,
  }))
}

/** The first few per-event details of a 400, e.g. ` (event 3: actor.type: must be one of …)`. */
function describeDetails(details: unknown): string {
  if (!Array.isArray(details) || details.length === 0) return ''
  const shown = details
    .slice(0, 3)
    .map((detail: { index?: unknown; path?: unknown; message?: unknown }) => {
      const path = typeof detail?.path === 'string' && detail.path !== '' ? `${detail.path}: ` : ''
      return `event ${String(detail?.index)}: ${path}${String(detail?.message)}`
    })
  const more = details.length > shown.length ? `; and ${details.length - shown.length} more` : ''
  return ` (${shown.join('; ')}${more})`
}

/** The API's error body (`{error: {code, message, details}}`); empty for any other answer. */
function parseError(text: string): { code?: string; message?: string; details?: unknown } {
  try {
    const body = JSON.parse(text) as {
      error?: { code?: unknown; message?: unknown; details?: unknown }
    }
    const error = body.error
    if (typeof error !== 'object' || error === null) return {}
    const code = typeof error.code === 'string' ? error.code : undefined
    return {
      code,
      message:
        typeof error.message === 'string'
          ? `${code === undefined ? '' : `${code}: `}${error.message}`
          : undefined,
      details: error.details,
    }
  } catch {
    return {}
  }
}

const TENANT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/**
 * The acknowledgements of a 201, checked against the batch, and the tenant the server says it
 * sealed them for (`tenant_id`, absent from older servers); a string says what is wrong.
 */
function parseAcknowledgements(
  text: string,
  events: readonly OutboundEvent[],
): { acks: Acknowledgement[]; tenant: string | undefined } | string {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return 'the body is not JSON'
  }
  const { events: list, tenant_id: tenant } = (body ?? {}) as {
    events?: unknown
    tenant_id?: unknown
  }
  if (!Array.isArray(list)) return 'no events array'
  if (list.length !== events.length) {
    return `${list.length} acknowledgements for ${events.length} events`
  }
  // Checked in place: a 201 for 1000 events need not be copied into 1000 new objects.
  for (let i = 0; i < list.length; i++) {
    const ack = list[i] as Partial<Acknowledgement> | null
    const id = (events[i] as OutboundEvent).id
    if (ack?.id !== id) return `acknowledgement ${i} is for ${String(ack?.id)}, not ${id}`
    if (typeof ack.seq !== 'number' || typeof ack.leaf_hash !== 'string') {
      return `acknowledgement ${i} lacks seq or leaf_hash`
    }
    if (ack.status !== 'created' && ack.status !== 'duplicate') {
      return `acknowledgement ${i} has status ${String(ack.status)}`
    }
  }
  return {
    acks: list as Acknowledgement[],
    tenant: typeof tenant === 'string' && TENANT_ID.test(tenant) ? tenant : undefined,
  }
}
