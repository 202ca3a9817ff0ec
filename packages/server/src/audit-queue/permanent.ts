// Which seal failures no retry can fix, for the gateway's in-process delivery. The SDK's own
// rule knows the core's and the store's codes; on top of it, the store's database can refuse a
// value for good. Everything else (a lost connection, a timeout, a full disk, even a corrupt
// log) is retried until it works while the events wait in the spool.

import { DbError } from '../db/errors.js'
import { StoreError } from '../store/errors.js'

/** True when the batch itself is unacceptable, so the SDK bisects it and dead-letters the event. */
export function isPermanentSealError(error: unknown): boolean {
  // (TENANT_MISMATCH is not about the events: the SDK seals each tenant's events with that
  // tenant, so it means a seal function bound elsewhere, which it retries and reports.)
  if (error instanceof StoreError) return error.code === 'BATCH_TOO_LARGE'
  if (error instanceof DbError) return error.code === 'INVALID_TENANT_ID'
  const code = (error as { code?: unknown } | null)?.code
  if (code === 'INVALID_EVENT') return true
  // SQLSTATE class 22, "data exception": a value PostgreSQL cannot store. Validation is
  // meant to refuse every such value first; this keeps one it misses from blocking the
  // spool behind it. Both engines put the SQLSTATE in `code`.
  return typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code)
}
