import { AuditsealError } from '../errors.js'
import type { EventIssue } from './types.js'

/** How many issues the message spells out; `issues` always holds all of them. */
const MESSAGE_ISSUES = 10

/** An input that is not a valid envelope v1 event; `issues` says every way in which. */
export class InvalidEventError extends AuditsealError {
  readonly issues: readonly EventIssue[]

  constructor(issues: readonly EventIssue[]) {
    super('INVALID_EVENT', formatIssues(issues))
    this.name = 'InvalidEventError'
    this.issues = issues
  }
}

/** `invalid event: actor.type: must be one of ...; data: ...`, the root path shown as `(root)`. */
export function formatIssues(issues: readonly EventIssue[]): string {
  const shown = issues
    .slice(0, MESSAGE_ISSUES)
    .map(({ path, message }) => `${path === '' ? '(root)' : path}: ${message}`)
  const more = issues.length - shown.length
  return `invalid event: ${shown.join('; ')}${more > 0 ? `; and ${more} more` : ''}`
}
