// A small client for the audit API (architecture §5), enough to verify, export and fetch
// checkpoints: GET /v1/log, /v1/checkpoints (paged), /v1/checkpoints/latest, /v1/export.
// The tenant is the credential's; every answer is treated as untrusted input.

import { VerifyError } from '../errors.js'

export interface LogInfo {
  origin: string
  vkey: string
  treeSize: number
}

/** One entry of GET /v1/checkpoints, as the API sent it. */
export interface CheckpointEntry {
  /** undefined when the entry has no numeric tree_size. */
  treeSize: number | undefined
  rootHash: string | undefined
  /** The signed note; empty when the entry has none. */
  note: string
  /** What is malformed about the entry, if anything: it is then a finding, not a checkpoint. */
  problem?: string
}

export interface ApiClientOptions {
  /** The service's base URL, e.g. https://audit.example.com (a path prefix is kept). */
  url: string
  /** An API key or a JWT with the read (auditor) role. */
  token: string
  fetch?: typeof fetch
}

const PAGE_LIMIT = 500

export class ApiClient {
  private readonly base: URL
  private readonly fetch: typeof fetch

  constructor(private readonly options: ApiClientOptions) {
    let base: URL
    try {
      base = new URL(options.url.endsWith('/') ? options.url : `${options.url}/`)
    } catch {
      throw new VerifyError('USAGE', `--url: ${JSON.stringify(options.url)} is not a URL`)
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new VerifyError('USAGE', `--url: ${base.protocol} is not http: or https:`)
    }
    this.base = base
    this.fetch = options.fetch ?? fetch
  }

  /** The URL without credentials, for messages. */
  get label(): string {
    const shown = new URL(this.base)
    shown.username = ''
    shown.password = ''
    return shown.toString()
  }

  async log(): Promise<LogInfo> {
    const body = (await (await this.get('v1/log')).json()) as Record<string, unknown>
    const { origin, vkey, tree_size: treeSize } = body
    if (typeof origin !== 'string' || typeof vkey !== 'string' || typeof treeSize !== 'number') {
      throw new VerifyError('API', 'GET /v1/log: the answer lacks origin, vkey or tree_size')
    }
    return { origin, vkey, treeSize }
  }

  /**
   * Every checkpoint the API lists, following next_cursor to the end. A malformed entry is
   * returned with its `problem` (the verifier reports it) rather than failing the whole list.
   */
  async checkpoints(): Promise<CheckpointEntry[]> {
    const all: CheckpointEntry[] = []
    let cursor: string | null = null
    do {
      const query = new URLSearchParams({ limit: String(PAGE_LIMIT) })
      if (cursor !== null) query.set('cursor', cursor)
      const body = (await (await this.get(`v1/checkpoints?${query}`)).json()) as {
        checkpoints?: unknown
        next_cursor?: unknown
      }
      if (!Array.isArray(body.checkpoints)) {
        throw new VerifyError('API', 'GET /v1/checkpoints: the answer has no checkpoints list')
      }
      for (const entry of body.checkpoints as unknown[]) all.push(checkpointEntry(entry))
      cursor = typeof body.next_cursor === 'string' ? body.next_cursor : null
    } while (cursor !== null)
    return all
  }

  async latestCheckpoint(): Promise<string> {
    return (await this.get('v1/checkpoints/latest')).text()
  }

  /** The export, streamed: NDJSON or CSV bytes as they arrive. */
  async export(
    format: 'ndjson' | 'csv',
    filters: Record<string, string> = {},
  ): Promise<AsyncIterable<Uint8Array>> {
    const query = new URLSearchParams({ format, ...filters })
    const response = await this.get(`v1/export?${query}`)
    if (response.body === null) throw new VerifyError('API', 'GET /v1/export: empty answer')
    return response.body as unknown as AsyncIterable<Uint8Array>
  }

  private async get(path: string): Promise<Response> {
    const url = new URL(path, this.base)
    const what = `GET /${path.split('?')[0] ?? path}`
    let response: Response
    try {
      response = await this.fetch(url, {
        headers: { authorization: `Bearer ${this.options.token}` },
      })
    } catch (error) {
      const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause
      const why = cause?.code ?? cause?.message ?? (error as Error).message
      throw new VerifyError('IO', `${what}: cannot reach ${this.label}: ${String(why)}`, {
        cause: error,
      })
    }
    if (!response.ok) {
      throw new VerifyError('API', `${what}: ${response.status} ${await errorMessage(response)}`)
    }
    return response
  }
}

/** An entry of the checkpoint list, read as untrusted input: any JSON value at all. */
function checkpointEntry(entry: unknown): CheckpointEntry {
  const fields =
    typeof entry === 'object' && entry !== null && !Array.isArray(entry)
      ? (entry as Record<string, unknown>)
      : {}
  const { tree_size: treeSize, root_hash: rootHash, note } = fields
  const read = {
    treeSize: typeof treeSize === 'number' ? treeSize : undefined,
    rootHash: typeof rootHash === 'string' ? rootHash : undefined,
    note: typeof note === 'string' ? note : '',
  }
  const lacking = [
    read.treeSize === undefined && 'a numeric tree_size',
    read.rootHash === undefined && 'a root_hash string',
    typeof note !== 'string' && 'a note string',
  ].filter((x): x is string => typeof x === 'string')
  if (lacking.length === 0) return read
  return { ...read, problem: `the API's list entry lacks ${lacking.join(', ')}` }
}

async function errorMessage(response: Response): Promise<string> {
  const text = await response.text().catch(() => '')
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } }
    if (body.error?.message) return `${body.error.code ?? 'error'}: ${body.error.message}`
  } catch {
    // not the API's JSON error
  }
  return text.slice(0, 200) || response.statusText
}
