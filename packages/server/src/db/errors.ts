/** What went wrong in the storage layer; callers branch on `code`, not on the message. */
export type DbErrorCode =
  | 'INVALID_TENANT_ID'
  | 'INVALID_ROLE'
  | 'UNSAFE_INTEGER'
  | 'DATA_DIR_LOCKED'
  | 'MIGRATION_FILE_INVALID'
  | 'MIGRATION_CHECKSUM_MISMATCH'
  | 'MIGRATION_UNKNOWN_VERSION'
  | 'MIGRATIONS_UNREADABLE'
  | 'DATABASE_NOT_MIGRATED'
  | 'DATABASE_UNREACHABLE'
  | 'TRANSACTION_ABORTED'
  | 'STORE_CONFIG_INVALID'

export class DbError extends Error {
  readonly code: DbErrorCode

  constructor(code: DbErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'DbError'
    this.code = code
  }
}

// SQLSTATEs (PostgreSQL, appendix A) of failures that the same request may well not meet again:
// a lost race (serialization failure, deadlock: the transaction was rolled back, so a retry is
// safe and soon), and a server shutting down, starting, full of connections or cut off.
const RETRY_SOON = new Set(['40001', '40P01'])
const RETRY_LATER = new Set(['57P01', '57P02', '57P03', '53300'])
const CONNECTION_EXCEPTION = /^08[0-9A-Z]{3}$/

/**
 * For a database error worth retrying, how many seconds to wait first (a Retry-After);
 * undefined for anything else. node-postgres and PGlite both throw an Error whose `code` is
 * the SQLSTATE.
 */
export function retryAfterSeconds(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined
  const code = (error as { code?: unknown }).code
  if (typeof code !== 'string') return undefined
  if (RETRY_SOON.has(code)) return '1'
  if (RETRY_LATER.has(code) || CONNECTION_EXCEPTION.test(code)) return '5'
  return undefined
}
