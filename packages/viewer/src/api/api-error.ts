const MALFORMED_RESPONSE = 'malformed_response'

/** The code of an error response without the API's error body (a proxy's page, say). */
const statusCode = (status: number) => `HTTP_${status}`

/**
 * A failed API call: the HTTP status and the `{"error": {code, message}}` body (§5); status 0
 * and code `unreachable` when no response arrived at all (network down, server restarting);
 * or the response's status and code `malformed_response` when an answer arrived that is not
 * what the API sends (not JSON, or not the shape asked for: another site or a proxy's page).
 */
export class ApiError extends Error {
  readonly status: number
  readonly code: string

  constructor(status: number, code: string, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'ApiError'
    this.status = status
    this.code = code
  }

  /** The credential is missing, invalid or expired. */
  get isUnauthorized(): boolean {
    return this.status === 401
  }

  /** No response: the request never reached the server, or its answer never came back. */
  get isUnreachable(): boolean {
    return this.status === 0
  }

  /** An answer arrived, but not one the API sends. */
  get isMalformed(): boolean {
    return this.code === MALFORMED_RESPONSE
  }

  /** The code of the API's `{"error": {code}}` body; undefined when the response had none. */
  get apiCode(): string | undefined {
    const own = this.isUnreachable || this.isMalformed || this.code === statusCode(this.status)
    return own ? undefined : this.code
  }
}

/** The ApiError of a fetch that rejected: no HTTP status, so nothing about the credential. */
export function unreachableError(cause: unknown): ApiError {
  return new ApiError(0, 'unreachable', 'the server could not be reached', { cause })
}

/** The ApiError of a response whose body is not what the API sends for that request. */
export function malformedResponseError(status: number, message: string, cause?: unknown): ApiError {
  return new ApiError(status, MALFORMED_RESPONSE, message, { cause })
}

/** A failure as one line for a person: the message, and the HTTP status when there was one. */
export function describeFailure(error: unknown): string {
  if (error instanceof ApiError && error.status > 0)
    return `${error.message} (HTTP ${error.status})`
  return error instanceof Error ? error.message : String(error)
}

/** Reads an error response into an ApiError, whatever its body looks like. */
export async function apiErrorOf(response: Response): Promise<ApiError> {
  let code = statusCode(response.status)
  let message = response.statusText || `HTTP ${response.status}`
  try {
    const body = (await response.json()) as { error?: { code?: unknown; message?: unknown } }
    if (typeof body.error?.code === 'string') code = body.error.code
    if (typeof body.error?.message === 'string') message = body.error.message
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(response.status, code, message)
}
