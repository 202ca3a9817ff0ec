// Which seal failures no retry can fix. Everything else (a lost connection, a timeout, a
// serialization failure, a full disk, even a corrupt log) is retried until it works: the
// events wait in the queue, and the operator is told through onError.

import { DbError } from '../db/errors.js'
import { StoreError } from '../store/errors.js'

/** True when the batch itself is unacceptable to the database, so retrying it is futile. */
export function isPermanentSealError(error: unknown): boolean {
  if (error instanceof StoreError) {
    return error.code === 'TENANT_MISMATCH' || error.code === 'BATCH_TOO_LARGE'
  }
  if (error instanceof DbError) return error.code === 'INVALID_TENANT_ID'
  // SQLSTATE class 22, "data exception": a value PostgreSQL cannot store (e.g. a NUL
  // character in a text column). Both engines put the SQLSTATE in `code`.
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code)
}
