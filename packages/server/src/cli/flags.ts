// Flag parsers shared by the CLI commands; errors are ConfigErrors naming the flag (exit 2).

import { parseTenantId } from '../config/values.js'

/** A tenant id: a UUID, accepted in any case and returned in lowercase (as the log keeps it). */
export function parseTenantFlag(text: string): string {
  return parseTenantId({ text, from: '--tenant' })
}
