// Every error the HTTP API answers with: one registry of codes, each with its status and a
// default message, rendered by the one error handler (error-handler.ts) as
//
//   {"error": {"code": "...", "message": "...", "details": [...]?}}
//
// Clients branch on `code`; `message` is for people and may change. docs/api.md lists them.

export const API_ERRORS = {
  invalid_request: { status: 400, message: 'the request is not valid' },
  invalid_json: { status: 400, message: 'the request body is not valid JSON' },
  invalid_event: { status: 400, message: 'one or more events are not valid; nothing was stored' },
  invalid_cursor: { status: 400, message: 'cursor is not one this API returned' },
  tree_size_out_of_range: { status: 400, message: 'tree size is outside this log' },
  unauthorized: { status: 401, message: 'authentication required' },
  forbidden: { status: 403, message: 'the credential lacks the role this needs' },
  tenant_mismatch: {
    status: 403,
    message: "an event names another tenant than the credential's; nothing was stored",
  },
  not_found: { status: 404, message: 'not found' },
  conflict: { status: 409, message: 'the request conflicts with what is stored' },
  payload_too_large: { status: 413, message: 'the request body is too large' },
  unsupported_media_type: {
    status: 415,
    message: 'request bodies must be application/json in UTF-8',
  },
  rate_limited: { status: 429, message: 'too many requests; retry later' },
  internal: { status: 500, message: 'an internal error occurred' },
  log_inconsistent: {
    status: 500,
    message: 'the log failed an integrity check; the operator has been alerted',
  },
  unavailable: { status: 503, message: 'the database is unavailable; retry later' },
  not_yet_replicated: {
    status: 503,
    message: 'the read replica has not caught up with this part of the log yet; retry shortly',
  },
  not_ready: { status: 503, message: 'the service is not ready' },
} as const satisfies Record<string, { status: number; message: string }>

export type ApiErrorCode = keyof typeof API_ERRORS

/** One entry of `details`: where (a field, an event) and what is wrong there. */
export type ErrorDetail = Readonly<Record<string, string | number>>

export interface ApiErrorOptions {
  details?: readonly ErrorDetail[]
  /**
   * Why, for logs and the auth-failure hook only; never sent to the client (e.g. "API key
   * revoked" where the client only reads "invalid credentials").
   */
  reason?: string
  /** Extra response headers, e.g. Retry-After. */
  headers?: Readonly<Record<string, string>>
  cause?: unknown
}

/** An error the API answers with as it is: code, status and message from the registry. */
export class ApiError extends Error {
  readonly code: ApiErrorCode
  readonly statusCode: number
  readonly details: readonly ErrorDetail[] | undefined
  readonly reason: string | undefined
  readonly headers: Readonly<Record<string, string>>

  constructor(code: ApiErrorCode, message?: string, options: ApiErrorOptions = {}) {
    super(message ?? API_ERRORS[code].message, { cause: options.cause })
    this.name = 'ApiError'
    this.code = code
    this.statusCode = API_ERRORS[code].status
    this.details = options.details
    this.reason = options.reason
    this.headers = options.headers ?? {}
  }
}

/** The wire form of an error. */
export interface ErrorBody {
  error: { code: ApiErrorCode; message: string; details?: readonly ErrorDetail[] }
}

export function errorBody(error: ApiError): ErrorBody {
  const body: ErrorBody = { error: { code: error.code, message: error.message } }
  if (error.details !== undefined) body.error.details = error.details
  return body
}
