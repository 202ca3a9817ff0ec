/**
 * A configuration value that cannot be used. The message names where the value came from (the
 * flag or the environment variable) and the value itself, so the fix is obvious; the CLI turns
 * it into a usage error (exit 2).
 */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID'

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ConfigError'
  }
}
