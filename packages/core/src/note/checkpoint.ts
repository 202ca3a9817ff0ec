// Transparency log checkpoints (c2sp.org/tlog-checkpoint): a signed note whose text is
//
//   <origin>
//   <tree size, decimal>
//   <base64 of the RFC 6962 root hash>
//   [extension lines]
//
// In auditseal the origin is `<log name>/<tenant_id>` and the key name of the log's signature
// is that origin (docs/architecture.md §3).

import { fromBase64, toBase64 } from '../bytes.js'
import type { CryptoProvider } from '../crypto/provider.js'
import { AuditsealError, VerificationError } from '../errors.js'
import type { Signer, VerifierKey } from './keys.js'
import { isValidKeyName } from './keys.js'
import type { NoteSignature } from './note.js'
import { openNote, signNote } from './note.js'
import { noteTextProblem, quote } from './text.js'

const HASH_SIZE = 32

/** A log's signed tree head: the log, its size, and its root hash. */
export interface Checkpoint {
  readonly origin: string
  /** Number of leaves, 0 ≤ size ≤ 2^53 − 1 (Number.MAX_SAFE_INTEGER). */
  readonly size: number
  /** The 32-byte RFC 6962 root hash of the first `size` leaves. */
  readonly rootHash: Uint8Array
  /** Opaque, non-empty extra lines; c2sp.org/tlog-checkpoint does not recommend them. */
  readonly extensions: readonly string[]
}

export type CheckpointInput = Omit<Checkpoint, 'extensions'> & {
  readonly extensions?: readonly string[]
}

export interface OpenedCheckpoint {
  readonly checkpoint: Checkpoint
  /** Verified signatures: the log's own, one line. */
  readonly signatures: readonly NoteSignature[]
  /** Signatures by keys not checked here, such as witness cosignatures. */
  readonly unverified: readonly NoteSignature[]
}

/**
 * logOrigin returns `<log name>/<tenant_id>`, the origin of a tenant's log and the key name
 * its checkpoints are signed under. The log name must be a valid key name (non-empty, no
 * spaces, no '+'); the tenant id likewise, and without '/' so the origin splits one way only.
 */
export function logOrigin(logName: string, tenantId: string): string {
  if (!isValidKeyName(logName) || noteTextProblem(logName, false) !== undefined) {
    invalid(
      `invalid log name ${quote(logName)}: empty, or contains a space, '+' or a control character`,
    )
  }
  if (
    !isValidKeyName(tenantId) ||
    noteTextProblem(tenantId, false) !== undefined ||
    tenantId.includes('/')
  ) {
    invalid(`invalid tenant id ${quote(tenantId)} for an origin`)
  }
  return `${logName}/${tenantId}`
}

/**
 * formatCheckpoint returns the checkpoint's note text: origin, size and base64 root hash,
 * then any extension lines, each ending in a newline (c2sp.org/tlog-checkpoint §Note text).
 */
export function formatCheckpoint(checkpoint: CheckpointInput): string {
  const { origin, size, rootHash } = checkpoint
  const extensions = checkpoint.extensions ?? []
  if (origin === '' || noteTextProblem(origin, false) !== undefined) {
    invalid(`invalid checkpoint origin ${quote(origin)}`)
  }
  if (!Number.isSafeInteger(size) || size < 0) {
    invalid(`checkpoint size ${size} is not an integer in [0, 2^53 − 1]`)
  }
  if (rootHash.length !== HASH_SIZE) invalid(`root hash is ${rootHash.length} bytes, not 32`)
  for (const line of extensions) {
    if (line === '' || noteTextProblem(line, false) !== undefined) {
      invalid(`invalid checkpoint extension line ${quote(line)}`)
    }
  }
  return [origin, String(size), toBase64(rootHash), ...extensions].map((l) => `${l}\n`).join('')
}

/**
 * parseCheckpoint reads a checkpoint's note text strictly: at least three non-empty lines,
 * each ending in a newline; a non-empty origin; a decimal size without leading zeros (only
 * "0" for the empty tree) that fits a JavaScript number exactly; a canonical base64 32-byte
 * root hash; extension lines non-empty. Throws AuditsealError 'MALFORMED_CHECKPOINT'.
 */
export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) malformed('the text does not end with a newline')
  const problem = noteTextProblem(text)
  if (problem !== undefined) malformed(`the text ${problem}`)
  const lines = text.slice(0, -1).split('\n')
  if (lines.length < 3) malformed(`${lines.length} lines, fewer than 3`)
  const empty = lines.indexOf('')
  if (empty >= 0) malformed(`line ${empty + 1} is empty`)
  const [origin, sizeLine, rootLine, ...extensions] = lines as [string, string, string, ...string[]]
  return { origin, size: parseSize(sizeLine), rootHash: parseRootHash(rootLine), extensions }
}

/**
 * signCheckpoint formats and signs a checkpoint. The signer's key name must be the origin,
 * as c2sp.org/tlog-checkpoint §Signatures recommends and openCheckpoint requires.
 */
export function signCheckpoint(signer: Signer, checkpoint: CheckpointInput): string {
  if (signer.name !== checkpoint.origin) {
    invalid(`signer ${quote(signer.name)} cannot sign for origin ${quote(checkpoint.origin)}`)
  }
  return signNote(formatCheckpoint(checkpoint), [signer])
}

/**
 * openCheckpoint verifies a signed checkpoint with the log's verifier key (see openNote for
 * the errors), parses its text, and checks that the origin is the key's name
 * (VerificationError 'CHECKPOINT_ORIGIN_MISMATCH' otherwise): a tenant's key must not vouch
 * for another tenant's log.
 */
export function openCheckpoint(
  crypto: CryptoProvider,
  note: string | Uint8Array,
  verifier: VerifierKey,
): OpenedCheckpoint {
  const opened = openNote(crypto, note, [verifier])
  const checkpoint = parseCheckpoint(opened.text)
  if (checkpoint.origin !== verifier.name) {
    throw new VerificationError(
      'CHECKPOINT_ORIGIN_MISMATCH',
      `checkpoint origin ${quote(checkpoint.origin)} is not the verifier key's name ${quote(verifier.name)}`,
    )
  }
  return { checkpoint, signatures: opened.signatures, unverified: opened.unverified }
}

/** parseSize reads the tree size line: "0", or digits with no leading zero, ≤ 2^53 − 1. */
function parseSize(line: string): number {
  if (!/^(0|[1-9][0-9]*)$/.test(line)) {
    malformed(`tree size ${quote(line)} is not a decimal number without leading zeros`)
  }
  // 16 digits can exceed 2^53 − 1 = 9007199254740991; more always do. Beyond it a number
  // is no longer exact, and sizes must be.
  const size = line.length > 16 ? Infinity : Number(line)
  if (size > Number.MAX_SAFE_INTEGER) {
    malformed(`tree size ${quote(line)} is larger than 2^53 − 1, the largest auditseal handles`)
  }
  return size
}

function parseRootHash(line: string): Uint8Array {
  const hash = fromBase64(line)
  if (hash === undefined) malformed(`root hash ${quote(line)} is not canonical base64`)
  if (hash.length !== HASH_SIZE) malformed(`root hash is ${hash.length} bytes, not 32`)
  return hash
}

function malformed(detail: string): never {
  throw new AuditsealError('MALFORMED_CHECKPOINT', `malformed checkpoint: ${detail}`)
}

function invalid(detail: string): never {
  throw new AuditsealError('INVALID_ARGUMENT', detail)
}
