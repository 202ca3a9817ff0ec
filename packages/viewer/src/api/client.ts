// The viewer's only door to the server: same-origin /v1 calls with the bearer token.

import { apiErrorOf, malformedResponseError, unreachableError } from './api-error.js'
import type {
  ApiEvent,
  CheckpointList,
  ConsistencyProofResponse,
  EventPage,
  ExportFormat,
  InclusionProofResponse,
  LogInfo,
} from './types.js'

/** Query parameters; empty values are left out. */
export type Params = Readonly<Record<string, string | number | undefined>>

export interface Download {
  blob: Blob
  filename: string
}

export class ApiClient {
  readonly #token: string
  readonly #base: string

  /** `base` is the server's origin; empty for the page's own. */
  constructor(token: string, base = '') {
    this.#token = token
    this.#base = base
  }

  /** The log's description; a body without its members is a malformed response, not a log. */
  log(): Promise<LogInfo> {
    return this.#checked(
      '/v1/log',
      {},
      isLogInfo,
      'a log description (origin, vkey, tree_size, root_hash)',
    )
  }

  /** A page of events; a body that is not one (rows without ids, no cursor) is malformed. */
  events(filter: Params, cursor?: string, limit = 50): Promise<EventPage> {
    return this.#checked(
      '/v1/events',
      { ...filter, cursor, limit },
      isEventPage,
      'a page of events (events with ids, and next_cursor)',
    )
  }

  event(id: string): Promise<ApiEvent> {
    return this.#json(`/v1/events/${encodeURIComponent(id)}`)
  }

  inclusionProof(id: string): Promise<InclusionProofResponse> {
    return this.#json(`/v1/events/${encodeURIComponent(id)}/proof`)
  }

  /** The newest `limit` checkpoints, newest first. */
  checkpoints(limit = 1): Promise<CheckpointList> {
    return this.#json('/v1/checkpoints', { limit })
  }

  async latestCheckpoint(): Promise<string> {
    return (await this.#get('/v1/checkpoints/latest')).text()
  }

  consistencyProof(from: number, to: number): Promise<ConsistencyProofResponse> {
    return this.#json('/v1/proofs/consistency', { from, to })
  }

  /**
   * The export of every event matching `filter`. A plain link cannot send the Authorization
   * header, so the file is fetched and handed over as a Blob.
   */
  async export(format: ExportFormat, filter: Params): Promise<Download> {
    const response = await this.#get('/v1/export', { ...filter, format })
    const blob = await response.blob()
    const filename =
      filenameOf(response.headers.get('content-disposition')) ?? `auditseal-events.${format}`
    return { blob, filename }
  }

  /** The JSON answer to `path`, which must pass `guard`; else a malformed response. */
  async #checked<T>(
    path: string,
    params: Params,
    guard: (value: unknown) => value is T,
    what: string,
  ): Promise<T> {
    const response = await this.#get(path, params)
    const body = await jsonOf(response, path)
    if (!guard(body)) {
      throw malformedResponseError(response.status, `the answer to ${path} is not ${what}`)
    }
    return body
  }

  async #json<T>(path: string, params?: Params): Promise<T> {
    return (await jsonOf(await this.#get(path, params), path)) as T
  }

  async #get(path: string, params: Params = {}): Promise<Response> {
    const query = new URLSearchParams()
    for (const [name, value] of Object.entries(params)) {
      if (value !== undefined && value !== '') query.set(name, String(value))
    }
    const url = `${this.#base}${path}${query.size > 0 ? `?${query.toString()}` : ''}`
    let response: Response
    try {
      response = await fetch(url, {
        headers: { authorization: `Bearer ${this.#token}` },
        cache: 'no-store',
        credentials: 'omit',
      })
    } catch (error) {
      throw unreachableError(error)
    }
    if (!response.ok) throw await apiErrorOf(response)
    return response
  }
}

/**
 * The JSON body of a successful `response` to `path`. A body that is not JSON (a proxy's or
 * another site's HTML page, say) is a malformed response; a body cut off by the network, an
 * unreachable server.
 */
async function jsonOf(response: Response, path: string): Promise<unknown> {
  try {
    return (await response.json()) as unknown
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw unreachableError(error)
    throw malformedResponseError(response.status, `the answer to ${path} is not JSON`, error)
  }
}

function isEventPage(value: unknown): value is EventPage {
  if (typeof value !== 'object' || value === null) return false
  const { events, next_cursor: cursor } = value as Record<string, unknown>
  return (
    Array.isArray(events) &&
    events.every(
      (event: unknown) =>
        typeof event === 'object' &&
        event !== null &&
        typeof (event as { id?: unknown }).id === 'string',
    ) &&
    (cursor === null || typeof cursor === 'string')
  )
}

/** Whether `value` has the members of `GET /v1/log` the viewer reads, of the right types. */
function isLogInfo(value: unknown): value is LogInfo {
  if (typeof value !== 'object' || value === null) return false
  const { origin, vkey, tree_size: size, root_hash: root } = value as Record<string, unknown>
  return (
    typeof origin === 'string' &&
    typeof vkey === 'string' &&
    typeof root === 'string' &&
    Number.isSafeInteger(size) &&
    (size as number) >= 0
  )
}

/** The file name of a `Content-Disposition: attachment; filename="..."` header, if safe. */
function filenameOf(header: string | null): string | undefined {
  const match = header === null ? null : /filename="?([^";]+)"?/i.exec(header)
  const name = match?.[1]?.trim()
  return name !== undefined && /^[\w.-]{1,100}$/.test(name) ? name : undefined
}
