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

/**
 * The error for an event id found at two seqs. The sealer stores an id once, so one of the two
 * rows was put in around it; which is "the" event is not for a reader or a retry to choose.
 */
export function idStoredTwice(tenantId: string, id: string, seqs: readonly number[]): StoreError {
  const [a, b] = [...seqs].sort((x, y) => x - y)
  return new StoreError(
    'LOG_CORRUPT',
    `event id ${id} of tenant ${tenantId} is stored at seq ${a} and at seq ${b}: the log seals ` +
      'an id once, so one of them was put in around the sealer (auditseal verify names it)',
  )
}
