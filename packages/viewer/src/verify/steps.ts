// A verification is a chain of named steps; the first that fails says why, and the later
// ones are not reached. The UI lists the steps with their outcome.

export type StepId = 'canonical' | 'leaf_hash' | 'inclusion' | 'signature' | 'root' | 'consistency'

export const STEP_LABELS: Readonly<Record<StepId, string>> = {
  canonical: 'Canonical form',
  leaf_hash: 'Leaf hash',
  inclusion: 'Inclusion proof',
  signature: 'Checkpoint signature',
  root: 'Root hash',
  consistency: 'Consistent with the trusted checkpoint',
}

export type StepStatus = 'passed' | 'failed' | 'not_reached'

export interface StepOutcome {
  readonly id: StepId
  readonly status: StepStatus
  /** What was checked, or why it failed. */
  readonly detail: string
}

/** Thrown inside a step: the step failed for the reason given. */
export class StepFailure extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'StepFailure'
  }
}

export function fail(reason: string): never {
  throw new StepFailure(reason)
}

/** The message of whatever a step threw: a core VerificationError reads as is. */
export function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
