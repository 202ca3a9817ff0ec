// verifyEvent checks, in the browser and with @auditseal/core only, that an event returned by
// the API is in the log a signed checkpoint commits to:
//
//   1. canonical form  the members of E (all but seq and leaf_hash) are a valid envelope v1;
//                      JCS (RFC 8785) gives the exact text that was hashed
//   2. leaf hash       SHA-256(0x00 ‖ UTF-8(JCS(E))) equals the leaf_hash the API returned
//   3. inclusion proof RFC 9162 §2.1.3.2 from that leaf hash at index seq to a root
//   4. signature       the checkpoint is a signed note by the pinned verifier key, for this
//                      tenant's origin and the proof's tree size
//   5. root hash       the root from step 3 is the checkpoint's root

import {
  canonicalJson,
  constantTimeEqual,
  fromBase64,
  openCheckpoint,
  rootFromInclusionProof,
  toBase64,
  utf8,
  validateEvent,
} from '@auditseal/core'
import type { AuditEvent, Checkpoint, VerifierKey } from '@auditseal/core'
import { crypto, hasher } from './hasher.js'
import { fail, reasonOf } from './steps.js'
import type { StepId, StepOutcome } from './steps.js'

export interface EventVerificationInput {
  /** The event exactly as the API returned it (untrusted). */
  readonly event: Readonly<Record<string, unknown>>
  /** The `GET /v1/events/{id}/proof` body (untrusted). */
  readonly proof: unknown
  /** The key the checkpoint must be signed with: the pinned one. */
  readonly verifier: VerifierKey
}

export interface EventVerification {
  readonly verified: boolean
  readonly steps: readonly StepOutcome[]
  /** The first failed step, when not verified. */
  readonly failure?: StepOutcome
  /** The RFC 8785 text that was hashed, once step 1 passed. */
  readonly canonical?: string
  /** The checkpoint the event was proven against, once step 4 passed. */
  readonly checkpoint?: Checkpoint
}

interface Context {
  event?: AuditEvent
  canonical?: string
  seq?: number
  leafHash?: Uint8Array
  treeSize?: number
  root?: Uint8Array
  checkpoint?: Checkpoint
}

type Step = (input: EventVerificationInput, context: Context) => string

const STEPS: ReadonlyArray<readonly [StepId, Step]> = [
  ['canonical', checkCanonicalForm],
  ['leaf_hash', checkLeafHash],
  ['inclusion', checkInclusionProof],
  ['signature', checkSignature],
  ['root', checkRoot],
]

export function verifyEvent(input: EventVerificationInput): EventVerification {
  const context: Context = {}
  const steps: StepOutcome[] = []
  let failure: StepOutcome | undefined
  for (const [id, step] of STEPS) {
    if (failure !== undefined) {
      steps.push({ id, status: 'not_reached', detail: 'not checked: an earlier step failed' })
      continue
    }
    try {
      steps.push({ id, status: 'passed', detail: step(input, context) })
    } catch (error) {
      // Anything a step throws is a failure of that step, whether our own StepFailure or a
      // core error on malformed input: attacker-controlled data must never verify by accident.
      failure = { id, status: 'failed', detail: reasonOf(error) }
      steps.push(failure)
    }
  }
  return {
    verified: failure === undefined,
    steps,
    ...(failure && { failure }),
    ...(context.canonical !== undefined && { canonical: context.canonical }),
    ...(context.checkpoint && { checkpoint: context.checkpoint }),
  }
}

/** Step 1: E is the returned members less seq and leaf_hash, and must be a valid event. */
function checkCanonicalForm(input: EventVerificationInput, context: Context): string {
  const { seq, leaf_hash: _leafHash, ...members } = input.event
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) {
    fail('the event has no valid seq')
  }
  const result = validateEvent(members, { requireRecordedAt: true })
  if (!result.ok) {
    const issues = result.issues
      .slice(0, 3)
      .map((i) => (i.path ? `${i.path}: ${i.message}` : i.message))
    fail(`the event is not a valid envelope v1: ${issues.join('; ')}`)
  }
  context.event = result.event
  context.seq = seq
  context.canonical = canonicalJson(result.event)
  return `${utf8(context.canonical).length} bytes of RFC 8785 JSON`
}

/** Step 2: the hash of the canonical form is the leaf the log holds at seq. */
function checkLeafHash(input: EventVerificationInput, context: Context): string {
  const computed = hasher.leafHash(utf8(context.canonical as string))
  const claimed = decodeHash(input.event.leaf_hash, "the event's leaf_hash")
  if (!constantTimeEqual(computed, claimed)) {
    fail(
      `SHA-256(0x00 ‖ canonical form) is ${toBase64(computed)}, but the log's leaf hash is ` +
        `${toBase64(claimed)}: the event's content is not what was sealed`,
    )
  }
  const proof = proofBody(input.proof)
  if (proof.seq !== context.seq)
    fail(`the proof is for seq ${String(proof.seq)}, not ${context.seq}`)
  if (!constantTimeEqual(decodeHash(proof.leaf_hash, "the proof's leaf_hash"), computed)) {
    fail("the proof's leaf hash is not the event's")
  }
  context.leafHash = computed
  return toBase64(computed)
}

/** Step 3: RFC 9162 §2.1.3.2, from the computed leaf hash to the implied root. */
function checkInclusionProof(input: EventVerificationInput, context: Context): string {
  const proof = proofBody(input.proof)
  if (typeof proof.tree_size !== 'number') fail('the proof has no tree_size')
  if (!Array.isArray(proof.proof)) fail('the proof has no list of hashes')
  const path = proof.proof.map((hash, i) => decodeHash(hash, `proof[${i}]`))
  context.treeSize = proof.tree_size
  context.root = rootFromInclusionProof(
    hasher,
    context.seq as number,
    proof.tree_size,
    context.leafHash as Uint8Array,
    path,
  )
  return `${path.length} hashes from leaf ${context.seq} to the root of tree size ${proof.tree_size}`
}

/** Step 4: the checkpoint is signed by the pinned key, for this tenant, at the proof's size. */
function checkSignature(input: EventVerificationInput, context: Context): string {
  const note = proofBody(input.proof).checkpoint
  if (typeof note !== 'string') fail('the proof has no checkpoint')
  const { checkpoint } = openCheckpoint(crypto, note, input.verifier)
  const tenant = context.event?.tenant_id
  if (!checkpoint.origin.endsWith(`/${tenant}`)) {
    fail(`the checkpoint is for log ${checkpoint.origin}, not tenant ${tenant}'s`)
  }
  if (checkpoint.size !== context.treeSize) {
    fail(`the checkpoint is of tree size ${checkpoint.size}, the proof of ${context.treeSize}`)
  }
  context.checkpoint = checkpoint
  return `signed by ${input.verifier.name} (key ${input.verifier.keyId.toString(16).padStart(8, '0')}), tree size ${checkpoint.size}`
}

/** Step 5: the root the proof leads to is the one the checkpoint signs. */
function checkRoot(_input: EventVerificationInput, context: Context): string {
  const signed = (context.checkpoint as Checkpoint).rootHash
  const computed = context.root as Uint8Array
  if (!constantTimeEqual(computed, signed)) {
    fail(
      `the inclusion proof leads to ${toBase64(computed)}, the checkpoint signs ${toBase64(signed)}`,
    )
  }
  return toBase64(signed)
}

interface ProofBody {
  seq?: unknown
  leaf_hash?: unknown
  tree_size?: unknown
  proof?: unknown
  checkpoint?: unknown
}

function proofBody(proof: unknown): ProofBody {
  if (typeof proof !== 'object' || proof === null) fail('the proof response is not an object')
  return proof as ProofBody
}

function decodeHash(value: unknown, what: string): Uint8Array {
  const bytes = typeof value === 'string' ? fromBase64(value) : undefined
  if (bytes === undefined || bytes.length !== 32) fail(`${what} is not a base64 SHA-256 hash`)
  return bytes
}
