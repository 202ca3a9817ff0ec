// Every signed checkpoint the verifier is given — the log's own list, the auditor's trusted
// copy, the copies in a checkpoint directory, a checkpoint file next to an export — opened
// with the verifier key, then compared with each other. Only checkpoints whose signature
// verifies are used to judge the events; the others are findings themselves.

import type { CryptoProvider, VerifierKey } from '@auditseal/core'
import { constantTimeEqual, openCheckpoint, parseCheckpoint, toBase64 } from '@auditseal/core'
import type { CheckpointSource, FindingLog } from './findings.js'

/** A checkpoint as found, not yet verified. */
export interface CheckpointCopy {
  readonly source: CheckpointSource
  /** Where it was found, for messages: `database`, a file path. */
  readonly label: string
  /** The signed note. */
  readonly note: string
  /** The size stated outside the note: a database row's tree_size, a file's name. */
  readonly statedSize?: number
  /** The root stated outside the note: a database row's root_hash. */
  readonly statedRoot?: Uint8Array
  /** Why the copy is not even a checkpoint to open (a malformed API entry): a finding. */
  readonly malformed?: string
}

/** A checkpoint whose signature verified with the pinned key. */
export interface VerifiedCheckpoint {
  readonly source: CheckpointSource
  readonly label: string
  readonly size: number
  readonly rootHash: Uint8Array
  readonly note: string
}

export interface CheckpointBookOptions {
  crypto: CryptoProvider
  verifierKey: VerifierKey
  tenant: string
  findings: FindingLog
  /**
   * True when the log's list of checkpoints (source 'log') is complete — the database's rows,
   * the API's list — so a signed copy of a size it lacks means a checkpoint was removed.
   */
  logListIsComplete: boolean
}

export class CheckpointBook {
  /** Verified checkpoints, by size, ascending. */
  readonly verified: readonly VerifiedCheckpoint[]
  /** How many copies were given, verified or not. */
  readonly copies: number

  private readonly bySize = new Map<number, VerifiedCheckpoint[]>()

  private constructor(verified: VerifiedCheckpoint[], copies: number) {
    this.verified = verified
    this.copies = copies
    for (const checkpoint of verified) {
      const same = this.bySize.get(checkpoint.size)
      if (same) same.push(checkpoint)
      else this.bySize.set(checkpoint.size, [checkpoint])
    }
  }

  /**
   * open verifies every copy with the pinned key and records what is wrong among them:
   * bad signatures, stated sizes or roots that differ from the signed note, two signed
   * checkpoints of one size with different roots, and signed copies the log no longer has.
   */
  static open(copies: readonly CheckpointCopy[], options: CheckpointBookOptions): CheckpointBook {
    const verified: VerifiedCheckpoint[] = []
    for (const copy of copies) {
      const checkpoint = openCopy(copy, options)
      if (checkpoint) verified.push(checkpoint)
    }
    verified.sort((a, b) => a.size - b.size)
    findConflicts(verified, options)
    if (options.logListIsComplete) findRemoved(copies, verified, options)
    return new CheckpointBook(verified, copies.length)
  }

  /** Distinct sizes of the verified checkpoints, ascending. */
  sizes(): number[] {
    return [...this.bySize.keys()]
  }

  at(size: number): readonly VerifiedCheckpoint[] {
    return this.bySize.get(size) ?? []
  }

  get trusted(): VerifiedCheckpoint | undefined {
    return this.verified.find((c) => c.source === 'trusted')
  }

  /** The largest size any verified checkpoint signs, 0 without one. */
  get newestSize(): number {
    return this.verified.at(-1)?.size ?? 0
  }
}

function openCopy(
  copy: CheckpointCopy,
  options: CheckpointBookOptions,
): VerifiedCheckpoint | undefined {
  const { findings, tenant } = options
  // A copy that does not open is a bad signature, at the size it claims if it says one.
  const refuse = (why: string): undefined => {
    const treeSize = copy.statedSize ?? unverifiedSize(copy.note)
    findings.add({
      kind: 'bad_signature',
      severity: 'error',
      tenant,
      seq: null,
      ...(treeSize === undefined ? {} : { treeSize }),
      source: copy.source,
      message: `${copy.label}: ${why}`,
    })
    return undefined
  }
  if (copy.malformed !== undefined) {
    return refuse(`the checkpoint is malformed: ${copy.malformed}`)
  }
  let size: number
  let rootHash: Uint8Array
  try {
    ;({ size, rootHash } = openCheckpoint(
      options.crypto,
      copy.note,
      options.verifierKey,
    ).checkpoint)
  } catch (error) {
    return refuse(`the checkpoint does not verify with the pinned key: ${(error as Error).message}`)
  }
  const stated: string[] = []
  if (copy.statedSize !== undefined && copy.statedSize !== size) {
    stated.push(`its stated tree size is ${copy.statedSize}`)
  }
  if (copy.statedRoot !== undefined && !constantTimeEqual(copy.statedRoot, rootHash)) {
    stated.push(`its stated root hash is ${toBase64(copy.statedRoot)}`)
  }
  if (stated.length > 0) {
    findings.add({
      kind: 'inconsistent_checkpoints',
      severity: 'error',
      tenant,
      seq: null,
      treeSize: size,
      source: copy.source,
      message: `${copy.label}: the signed note is for size ${size}, root ${toBase64(rootHash)}, but ${stated.join(' and ')}`,
    })
  }
  return { source: copy.source, label: copy.label, size, rootHash, note: copy.note }
}

/** The size a note claims, read without checking its signature (for messages only). */
function unverifiedSize(note: string): number | undefined {
  try {
    return parseCheckpoint(note.slice(0, note.indexOf('\n\n') + 1)).size
  } catch {
    return undefined
  }
}

/** Two verified checkpoints of one size with different roots: the log signed a fork. */
function findConflicts(
  verified: readonly VerifiedCheckpoint[],
  options: CheckpointBookOptions,
): void {
  const first = new Map<number, VerifiedCheckpoint>()
  for (const checkpoint of verified) {
    const other = first.get(checkpoint.size)
    if (other === undefined) {
      first.set(checkpoint.size, checkpoint)
    } else if (!constantTimeEqual(other.rootHash, checkpoint.rootHash)) {
      options.findings.add({
        kind: 'inconsistent_checkpoints',
        severity: 'error',
        tenant: options.tenant,
        seq: null,
        treeSize: checkpoint.size,
        source: checkpoint.source,
        message: `two signed checkpoints of size ${checkpoint.size} have different roots (${other.label}: ${toBase64(other.rootHash)}, ${checkpoint.label}: ${toBase64(checkpoint.rootHash)}): the log signed two inconsistent trees`,
      })
    }
  }
}

/** Signed copies (trusted, checkpoint directory) of a size the log's list does not have. */
function findRemoved(
  copies: readonly CheckpointCopy[],
  verified: readonly VerifiedCheckpoint[],
  options: CheckpointBookOptions,
): void {
  const logSizes = new Set<number>()
  for (const copy of copies) {
    if (copy.source !== 'log') continue
    const size = copy.statedSize ?? unverifiedSize(copy.note)
    if (size !== undefined) logSizes.add(size)
  }
  const reported = new Set<number>()
  for (const checkpoint of verified) {
    if (checkpoint.source === 'log' || logSizes.has(checkpoint.size)) continue
    if (reported.has(checkpoint.size)) continue
    reported.add(checkpoint.size)
    options.findings.add({
      kind: 'inconsistent_checkpoints',
      severity: 'error',
      tenant: options.tenant,
      seq: null,
      treeSize: checkpoint.size,
      source: checkpoint.source,
      message: `the log has no checkpoint of size ${checkpoint.size}, but ${checkpoint.label} holds one it signed: a checkpoint was removed from the log`,
    })
  }
}
