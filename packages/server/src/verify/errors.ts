/** Why the verifier could not run at all (exit 2), as opposed to what it found (exit 1). */
export type VerifyErrorCode = 'USAGE' | 'IO' | 'API'

export class VerifyError extends Error {
  readonly code: VerifyErrorCode
  /** The cause alone, without the file or flag the message names (default: the message). */
  readonly reason: string

  constructor(
    code: VerifyErrorCode,
    message: string,
    options?: { cause?: unknown; reason?: string },
  ) {
    super(message, options)
    this.name = 'VerifyError'
    this.code = code
    this.reason = options?.reason ?? message
  }
}
