/**
 * Every error the core raises carries a code from this closed union, so callers branch on
 * `code` rather than on message text.
 */
export type AuditsealErrorCode =
  | 'INVALID_EVENT'
  | 'INVALID_ARGUMENT'
  | 'INCLUSION_PROOF_INVALID'
  | 'CONSISTENCY_PROOF_INVALID'
  | 'MALFORMED_NOTE'
  | 'MALFORMED_CHECKPOINT'
  | 'MALFORMED_KEY'
  | 'NOTE_SIGNATURE_INVALID'
  | 'NOTE_UNVERIFIED'
  | 'CHECKPOINT_ORIGIN_MISMATCH'

export class AuditsealError extends Error {
  readonly code: AuditsealErrorCode

  constructor(code: AuditsealErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'AuditsealError'
    this.code = code
  }
}

/** A proof or signature did not check out: the data is not what it claims to be. */
export class VerificationError extends AuditsealError {
  constructor(code: AuditsealErrorCode, message: string) {
    super(code, message)
    this.name = 'VerificationError'
  }
}
