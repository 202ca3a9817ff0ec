/** Errors of the store that callers (the API, the CLI) turn into answers. */
export type StoreErrorCode =
  | 'TENANT_MISMATCH'
  | 'BATCH_TOO_LARGE'
  | 'NOT_FOUND'
  | 'TREE_SIZE_OUT_OF_RANGE'
  | 'NOT_YET_REPLICATED'
  | 'INVALID_CURSOR'
  | 'LOG_CORRUPT'

export class StoreError extends Error {
  readonly code: StoreErrorCode

  constructor(code: StoreErrorCode, message: string) {
    super(message)
    this.name = 'StoreError'
    this.code = code
  }
}
