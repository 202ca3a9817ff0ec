/** Why the verifier could not run at all (exit 2), as opposed to what it found (exit 1). */
export type VerifyErrorCode = 'USAGE' | 'IO' | 'API'

export class VerifyError extends Error {
  readonly code: VerifyErrorCode

  constructor(code: VerifyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'VerifyError'
    this.code = code
  }
}
