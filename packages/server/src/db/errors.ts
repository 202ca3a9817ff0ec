/** What went wrong in the storage layer; callers branch on `code`, not on the message. */
export type DbErrorCode =
  | 'INVALID_TENANT_ID'
  | 'INVALID_ROLE'
  | 'UNSAFE_INTEGER'
  | 'DATA_DIR_LOCKED'
  | 'MIGRATION_FILE_INVALID'
  | 'MIGRATION_CHECKSUM_MISMATCH'
  | 'MIGRATION_UNKNOWN_VERSION'
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
