// createAuditLogger's options: what they mean, their defaults, and the checks that turn a
// mistake into an error at start-up rather than a surprise during an outage.

import { isUuid } from '@auditseal/core'
import { AuditSdkError } from './errors.js'
import type { LogSink } from './report.js'
import { DEFAULT_BACKOFF } from './sender/backoff.js'
import type { BackoffOptions } from './sender/backoff.js'
import { DURABILITIES } from './spool/writer.js'
import type { Durability } from './spool/writer.js'
import type { Transport } from './transport/types.js'

/** What log() does when the spool cannot take an event (see docs/sdk.md, "Overflow"). */
export type OverflowPolicy = 'drop-newest' | 'throw'

export interface AuditLoggerOptions {
  /** The audit API's base URL (events go to `<url>/v1/events`). Give this or `transport`. */
  url?: string
  /** An API key with the `ingest` scope, bound to the tenant of the events. */
  apiKey?: string
  /** A JWT instead of an API key; a function is called before each request, so it may refresh. */
  token?: string | (() => string | Promise<string>)
  /** Another way to deliver, e.g. createInProcessTransport(seal). Give this or `url`. */
  transport?: Transport
  /** The spool's directory (created if missing), private to this process. */
  spoolDir: string
  /** The tenant of events that name none. Required with the in-process transport unless every event names its tenant. */
  tenantId?: string

  /**
   * `group` (default): log() buffers the event in memory; a group commit writes and fdatasyncs
   * the buffered events syncIntervalMs after the first of them. `process`: log() hands each
   * event to the OS (one write), the group commit fdatasyncs. `strict`: log() writes and
   * fdatasyncs each event before returning. See docs/sdk.md, "Durability window".
   */
  durability?: Durability
  /** The group commit's interval (default 5 ms). */
  syncIntervalMs?: number
  /** Size at which a segment file is closed and a new one started (default 16 MiB). */
  segmentBytes?: number
  /** Most bytes the spool may take on disk (default 1 GiB). */
  maxSpoolBytes?: number
  /** When the spool is full: `drop-newest` (default; counted, reported) or `throw` (AuditOverflowError). */
  overflow?: OverflowPolicy

  /** Most events per request (default and most 1000). */
  batchSize?: number
  /** Most payload bytes per request (default 3 MiB, under the server's 4 MiB body limit). */
  batchBytes?: number
  /** How long a batch smaller than batchSize waits to fill up (default 5 ms). */
  lingerMs?: number
  /** Batches in flight at once (default 2). */
  concurrency?: number
  /** A request without an answer this long is abandoned and retried (default 30 s). */
  requestTimeoutMs?: number
  /** Backoff between retries: full jitter up to initialDelayMs × 2^attempt, at most maxDelayMs. */
  retry?: Partial<BackoffOptions>

  /** How long logSync() waits for the seal (default 30 s). The event stays spooled after that. */
  logSyncTimeoutMs?: number
  /** How long close() waits for the spool to drain (default 10 s). What is left stays spooled. */
  closeTimeoutMs?: number
  /**
   * Where problems are written (default console; false: nowhere): every problem, rate-limited,
   * whether or not anyone listens to the logger's events.
   */
  logger?: LogSink | false
}

export interface ResolvedOptions {
  transport: Transport | undefined
  url: string | undefined
  credential: string | (() => string | Promise<string>) | undefined
  spoolDir: string
  tenantId: string | undefined
  durability: Durability
  syncIntervalMs: number
  segmentBytes: number
  maxSpoolBytes: number
  overflow: OverflowPolicy
  batchSize: number
  batchBytes: number
  lingerMs: number
  concurrency: number
  requestTimeoutMs: number
  retry: BackoffOptions
  logSyncTimeoutMs: number
  closeTimeoutMs: number
  logger: LogSink | false | undefined
}

const MIB = 1024 * 1024

export function resolveOptions(options: AuditLoggerOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) fail('options must be an object')
  const { url, transport, apiKey, token } = options
  if ((url === undefined) === (transport === undefined)) {
    fail('give either url (the audit API) or transport (e.g. createInProcessTransport), not both')
  }
  if (transport !== undefined && (apiKey !== undefined || token !== undefined)) {
    fail('apiKey and token are for url; a transport brings its own way to the sealer')
  }
  if (url !== undefined) {
    if (!/^https?:\/\//.test(url) || !URL.canParse(url))
      fail(`url must be an http(s) URL, got ${JSON.stringify(url)}`)
    if ((apiKey === undefined) === (token === undefined))
      fail('with url, give either apiKey or token')
    // An empty or non-string credential would be refused with 401 on every attempt, forever.
    if (apiKey !== undefined && (typeof apiKey !== 'string' || apiKey === ''))
      fail(`apiKey must be a non-empty string, got ${describe(apiKey)}`)
    if (
      token !== undefined &&
      typeof token !== 'function' &&
      (typeof token !== 'string' || token === '')
    )
      fail(`token must be a non-empty string or a function, got ${describe(token)}`)
  }
  // Anything else would throw inside the reporter, which swallows it: no report would be seen.
  if (options.logger !== undefined && options.logger !== false && !isLogSink(options.logger))
    fail(
      `logger must be an object with warn and error functions (e.g. console), or false, got ${describe(options.logger, true)}`,
    )
  if (typeof options.spoolDir !== 'string' || options.spoolDir === '') fail('spoolDir is required')
  if (options.tenantId !== undefined && !isUuid(options.tenantId)) {
    fail(`tenantId must be a lowercase UUID, got ${JSON.stringify(options.tenantId)}`)
  }
  const durability = options.durability ?? 'group'
  if (!DURABILITIES.includes(durability)) fail(`durability must be group, process or strict`)
  const overflow = options.overflow ?? 'drop-newest'
  if (overflow !== 'drop-newest' && overflow !== 'throw')
    fail('overflow must be drop-newest or throw')
  const maxBatch = Math.min(transport?.maxBatch ?? 1000, 1000)
  const segmentBytes = integer('segmentBytes', options.segmentBytes, 16 * MIB, 64 * 1024)
  const resolved: ResolvedOptions = {
    transport,
    url,
    credential: apiKey ?? token,
    spoolDir: options.spoolDir,
    tenantId: options.tenantId,
    durability,
    syncIntervalMs: integer('syncIntervalMs', options.syncIntervalMs, 5, 1),
    segmentBytes,
    maxSpoolBytes: integer('maxSpoolBytes', options.maxSpoolBytes, 1024 * MIB, 2 * segmentBytes),
    overflow,
    batchSize: integer('batchSize', options.batchSize, maxBatch, 1, maxBatch),
    batchBytes: integer('batchBytes', options.batchBytes, 3 * MIB, 1024),
    lingerMs: integer('lingerMs', options.lingerMs, 5, 0),
    concurrency: integer('concurrency', options.concurrency, 2, 1, 64),
    requestTimeoutMs: integer('requestTimeoutMs', options.requestTimeoutMs, 30_000, 1),
    retry: {
      initialDelayMs: integer(
        'retry.initialDelayMs',
        options.retry?.initialDelayMs,
        DEFAULT_BACKOFF.initialDelayMs,
        1,
      ),
      maxDelayMs: integer(
        'retry.maxDelayMs',
        options.retry?.maxDelayMs,
        DEFAULT_BACKOFF.maxDelayMs,
        1,
      ),
      maxRetryAfterMs: integer(
        'retry.maxRetryAfterMs',
        options.retry?.maxRetryAfterMs,
        DEFAULT_BACKOFF.maxRetryAfterMs,
        0,
      ),
    },
    logSyncTimeoutMs: integer('logSyncTimeoutMs', options.logSyncTimeoutMs, 30_000, 1),
    closeTimeoutMs: integer('closeTimeoutMs', options.closeTimeoutMs, 10_000, 0),
    logger: options.logger,
  }
  return resolved
}

function integer(
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    fail(`${name} must be an integer from ${min} to ${max}, got ${value}`)
  }
  return value
}

function isLogSink(value: unknown): value is LogSink {
  const sink = value as Partial<Record<keyof LogSink, unknown>> | null
  return (
    typeof sink === 'object' &&
    sink !== null &&
    typeof sink.warn === 'function' &&
    typeof sink.error === 'function'
  )
}

/** A value for a message; a string is quoted only when it is no secret (never a credential). */
function describe(value: unknown, quoteStrings = false): string {
  if (value === '') return 'an empty string'
  if (value === null) return 'null'
  if (typeof value === 'object') return 'an object'
  if (typeof value === 'string') return quoteStrings ? JSON.stringify(value) : 'a string'
  return `${typeof value} ${String(value)}`
}

function fail(message: string): never {
  throw new AuditSdkError('INVALID_OPTIONS', `createAuditLogger: ${message}`)
}
