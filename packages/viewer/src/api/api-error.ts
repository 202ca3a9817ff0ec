/** A failed API call: the HTTP status and the `{"error": {code, message}}` body (§5). */
export class ApiError extends Error {
  readonly status: number
  readonly code: string

  constructor(status: number, code: string, message: string) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
  }

  /** The credential is missing, invalid or expired. */
  get isUnauthorized(): boolean {
    return this.status === 401
  }
}

/** Reads an error response into an ApiError, whatever its body looks like. */
export async function apiErrorOf(response: Response): Promise<ApiError> {
  let code = `HTTP_${response.status}`
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
