// The verifier proper: fed a tenant's stored events in seq order, it trusts none of the
// stored hashes. For each event it re-checks the canonical text, recomputes the leaf hash and
// compares it with the stored one; it appends the recomputed leaf to a Merkle frontier
// (O(log n) hashes: the tree is never held), and wherever a signed checkpoint has a size it
// compares the signed root with the recomputed one. At the end it explains what differs.
//
// A source that can read its events again (an export file) may first *speculate*
// (addSealed): hand over only each event's leaf, hashed from its bytes, up to the next
// checkpoint size. If every signed root there matches, those events are exactly the bytes the
// log sealed and signed, and nothing the full checks would say about them can differ (see
// docs/verify.md, "why hashing the bytes is enough"); the region is committed. At the first
// thing that does not match, the verifier goes back to the last commit and the source reads
// the events from there again, for the full checks — the findings are those of the full path.

import type { TreeHasher } from '@auditseal/core'
import { constantTimeEqual, toBase64 } from '@auditseal/core'
import type { CheckpointBook, VerifiedCheckpoint } from './checkpoints.js'
import type { RecordCheck } from './event-check.js'
import { checkRecord } from './event-check.js'
import type { Finding, FindingLog } from './findings.js'
import { Locator } from './locate.js'
import { SeqTracker } from './sequence.js'
import type { EventRecord } from './sources/types.js'
import type { HashString, TreeDigests, TreeMark } from './tree.js'
import { StreamingTree, hashBytes, hashString, hasherDigests } from './tree.js'

export interface LogVerifierOptions {
  tenant: string
  hasher: TreeHasher
  book: CheckpointBook
  findings: FindingLog
  /** Events beyond the newest signed checkpoint are an error, not a warning. */
  strict?: boolean
  /**
   * False when the verifier key came from the log itself (the API's published key), not from
   * the auditor: then the log's own checkpoints vouch for nothing (default true).
   */
  keyPinned?: boolean
  /** The tree's hashes; default: `hasher`'s SHA-256 (node's one-shot hash is faster). */
  digests?: TreeDigests
}

/** What became of an event given to addSealed. */
export type SealedOutcome = 'next' | 'committed' | 'rewound'

export type TrustedStatus = 'matches' | 'differs' | 'beyond_end'

export interface VerifyResult {
  /** Events read. */
  readonly events: number
  /** The root recomputed from every event read. */
  readonly rootHash: Uint8Array
  /** Verified checkpoints whose root equals the recomputed root at their size. */
  readonly matched: number
  /** The newest of those: what --save stores. */
  readonly newestMatched: VerifiedCheckpoint | undefined
  readonly trusted: { readonly size: number; readonly status: TrustedStatus } | undefined
  /**
   * Of `events`, the first this many were vouched for by their bytes alone (addSealed): each
   * hashed to its stored leaf hash and the signed roots matched, so they were not re-parsed.
   */
  readonly vouched: number
}

interface Recent {
  seq: number
  recordedAt: string
  clean: boolean
}

export class LogVerifier {
  private readonly tree: StreamingTree
  /** Leaves appended: the size of the recomputed tree. */
  private count = 0
  /** While speculating: the last commit, where a rewind goes back to. */
  private commit: TreeMark | undefined
  private vouched = 0
  private readonly seqs: SeqTracker
  private readonly sizes: number[]
  private nextSize = 0
  private lastMatchedSize = 0
  private matched = 0
  private newestMatched: VerifiedCheckpoint | undefined
  private firstMismatch:
    { size: number; from: number; checkpoints: VerifiedCheckpoint[] } | undefined
  private trusted:
    { size: number; from: number; status: TrustedStatus; root?: Uint8Array } | undefined
  private readonly locator: Locator
  private readonly recent: Recent[] = []
  private finished = false

  constructor(private readonly options: LogVerifierOptions) {
    this.tree = new StreamingTree(options.digests ?? hasherDigests(options.hasher))
    this.sizes = options.book.sizes()
    this.locator = new Locator(options.tenant)
    this.seqs = new SeqTracker((kind, seq, message, endSeq) =>
      this.report(kind, seq, message, endSeq),
    )
    this.compareCheckpoints() // checkpoints of the empty tree
  }

  /**
   * add takes the next stored event; call it in the source's (seq) order. `check` is
   * checkRecord's result when it was computed elsewhere (another thread), else it is done here.
   */
  add(record: EventRecord, check?: RecordCheck): void {
    if (this.commit !== undefined) throw new Error('add() while speculating: rewind() first')
    const { seq, flagged } = this.seqs.next(record.seq, record.seqText ?? String(record.seq))
    const { leaf, problems, recordedAt } =
      check ?? checkRecord(record, this.options.tenant, this.options.hasher)
    if (problems.length > 0) {
      this.report('modified', seq ?? this.seqs.expected, problems.join('; '))
    } else if (seq !== undefined && !flagged) {
      this.noteHints(record, seq, leaf)
    }
    if (seq !== undefined && recordedAt !== undefined) {
      this.noteOrder(seq, recordedAt, problems.length === 0 && !flagged)
    }
    this.tree.append(hashString(leaf))
    this.count++
    if (this.sizes[this.nextSize] === this.count) this.compareCheckpoints()
  }

  /**
   * speculate starts the fast path, before the first event: true when there is a signed root
   * to vouch for events and nothing has differed yet; then give events to addSealed.
   */
  speculate(): boolean {
    if (this.count !== 0 || this.finished || this.firstMismatch !== undefined) return false
    if (this.options.book.newestSize === 0) return false
    this.commit = this.tree.mark()
    return true
  }

  /** True between speculate() and the end of speculation (a rewind, or the newest checkpoint). */
  get speculating(): boolean {
    return this.commit !== undefined
  }

  /** Events committed so far: where the full path resumes after a rewind. */
  get committed(): number {
    return this.commit?.size ?? this.vouched
  }

  /**
   * addSealed is the fast path: the next event, whose stored leaf hash the caller found equal
   * to `leaf`, the hash of its bytes as read. Returns 'committed' when it completes a size
   * whose every signed root matches (speculation ends there when no larger size is signed),
   * 'rewound' when its seq is not the next or a signed root differs: the verifier is back at
   * the last commit, and the events from there on must be given again, to add().
   */
  addSealed(seq: number, leaf: HashString): SealedOutcome {
    const commit = this.commit
    if (commit === undefined) throw new Error('addSealed() without speculate()')
    if (seq !== this.count) return this.rewindTo(commit)
    this.tree.append(leaf)
    const size = ++this.count
    if (this.sizes[this.nextSize] !== size) return 'next'
    const root = hashBytes(this.tree.root())
    if (!this.options.book.at(size).every((c) => constantTimeEqual(c.rootHash, root))) {
      return this.rewindTo(commit)
    }
    this.nextSize++
    this.judgeCheckpoints(size, root)
    this.seqs.advanceTo(size)
    this.recent.length = 0 // see prime()
    this.vouched = size
    this.commit = size >= this.options.book.newestSize ? undefined : this.tree.mark()
    return 'committed'
  }

  /** Ends speculation at the last commit (the caller found a line it cannot vouch for). */
  rewind(): void {
    if (this.commit !== undefined) this.rewindTo(this.commit)
  }

  /**
   * prime gives the recorded_at of the (up to two) events before the last commit, which the
   * fast path did not read, so the order hints of the next events are as the full path's.
   */
  prime(previous: readonly { seq: number; recordedAt: string | undefined }[]): void {
    if (this.commit !== undefined) throw new Error('prime() while speculating')
    this.recent.length = 0
    for (const { seq, recordedAt } of previous.slice(-2)) {
      if (recordedAt !== undefined) this.recent.push({ seq, recordedAt, clean: true })
    }
  }

  private rewindTo(commit: TreeMark): 'rewound' {
    this.tree.reset(commit)
    this.count = commit.size
    this.commit = undefined
    return 'rewound'
  }

  /** finish judges what remains — the tail, checkpoints never reached, root differences. */
  finish(): VerifyResult {
    if (this.finished) throw new Error('finish() was called twice')
    if (this.commit !== undefined) throw new Error('finish() while speculating: rewind() first')
    this.finished = true
    this.seqs.finish()
    this.checkpointsBeyondTheEnd()
    this.unsignedTail()
    this.explainDifferences()
    const trusted = this.trusted && { size: this.trusted.size, status: this.trusted.status }
    return {
      events: this.count,
      rootHash: hashBytes(this.tree.root()),
      matched: this.matched,
      newestMatched: this.newestMatched,
      trusted,
      vouched: this.vouched,
    }
  }

  /** Compares the leaf with the one the log stored at seq (a hint for locating only). */
  private noteHints(record: EventRecord, seq: number, leaf: Uint8Array): void {
    const storedLeaf = record.storedLeaf
    const stored = storedLeaf?.(seq)
    if (storedLeaf === undefined || stored === undefined || constantTimeEqual(stored, leaf)) return
    const matches = (other: Uint8Array | undefined) =>
      other !== undefined && constantTimeEqual(other, leaf)
    const relation = matches(storedLeaf(seq - 1))
      ? 'prev'
      : matches(storedLeaf(seq + 1))
        ? 'next'
        : 'none'
    this.locator.noteLeaf({ seq, leaf, stored, relation })
  }

  /**
   * recorded_at never decreases along seq. At a decrease between the two latest events, the
   * one out of place is the earlier if it is a spike above both neighbours, else the later.
   */
  private noteOrder(seq: number, recordedAt: string, clean: boolean): void {
    const [before, previous] = [this.recent.at(-2), this.recent.at(-1)]
    if (previous && recordedAt < previous.recordedAt) {
      const spike = before === undefined || recordedAt >= before.recordedAt
      const culprit = spike ? previous : { seq, clean }
      if (culprit.clean) this.locator.noteOrder(culprit.seq)
    }
    this.recent.push({ seq, recordedAt, clean })
    if (this.recent.length > 2) this.recent.shift()
  }

  /** Compares every verified checkpoint of the current size with the recomputed root. */
  private compareCheckpoints(): void {
    const size = this.count
    if (this.sizes[this.nextSize] !== size) return
    this.nextSize++
    this.judgeCheckpoints(size, hashBytes(this.tree.root()))
  }

  private judgeCheckpoints(size: number, root: Uint8Array): void {
    const differing: VerifiedCheckpoint[] = []
    for (const checkpoint of this.options.book.at(size)) {
      const matches = constantTimeEqual(checkpoint.rootHash, root)
      if (checkpoint.source === 'trusted') {
        this.trusted = {
          size,
          from: this.lastMatchedSize,
          status: matches ? 'matches' : 'differs',
          root,
        }
      }
      if (matches) {
        this.matched++
        this.newestMatched = newest(this.newestMatched, checkpoint)
      } else {
        differing.push(checkpoint)
      }
    }
    if (differing.length > 0) {
      this.firstMismatch ??= { size, from: this.lastMatchedSize, checkpoints: differing }
    } else if (this.firstMismatch === undefined) {
      this.lastMatchedSize = size
    }
  }

  /** Signed checkpoints larger than the log: the events they sign are gone. */
  private checkpointsBeyondTheEnd(): void {
    const beyond = this.options.book.verified.filter((c) => c.size > this.count)
    const trusted = beyond.find((c) => c.source === 'trusted')
    if (trusted)
      this.trusted = { size: trusted.size, from: this.lastMatchedSize, status: 'beyond_end' }
    const largest = beyond.at(-1)
    const expected = this.seqs.expected
    if (largest === undefined || expected >= largest.size) return
    const last = largest.size - 1
    this.report(
      'missing',
      expected,
      `${expected === last ? `seq ${last} is` : `seq ${expected} to ${last} are`} signed by the checkpoint of size ${largest.size} (${largest.label}) but not in the log`,
      largest.size,
    )
  }

  /**
   * Events beyond the newest signed checkpoint: nothing the log signed vouches for them yet.
   * When nothing signed vouches for any event, that is an error of its own (nothingSigned).
   */
  private unsignedTail(): void {
    const signed = this.options.book.newestSize
    const end = this.seqs.expected
    if (this.count > 0 && !this.anythingSigned()) this.nothingSigned(end)
    if (signed === 0 || end <= signed) return
    this.options.findings.add({
      kind: 'unsigned_tail',
      severity: this.options.strict ? 'error' : 'warning',
      tenant: this.options.tenant,
      seq: signed,
      endSeq: end,
      message: `seq ${signed} to ${end - 1} are not covered by a signed checkpoint (the newest signed checkpoint has size ${signed}): they could be rewritten without trace until the log signs them`,
    })
  }

  /**
   * True when some checkpoint that verified with a key the auditor gave covers an event: with
   * a pinned key, any; with the key the log publishes, only a copy from outside the log (its
   * signature shows the published key is the one that signed the auditor's copy). Such a
   * checkpoint either matches the recomputed tree or is itself a finding.
   */
  private anythingSigned(): boolean {
    const pinned = this.options.keyPinned !== false
    return this.options.book.verified.some((c) => c.size > 0 && (pinned || c.source !== 'log'))
  }

  /**
   * Events but no signed checkpoint that vouches for any of them: every event could have been
   * rewritten, leaf hashes recomputed, and the log would look the same. Never intact.
   */
  private nothingSigned(end: number): void {
    const range = end <= 1 ? (end === 1 ? 'seq 0' : 'the events read') : `seq 0 to ${end - 1}`
    const why =
      this.options.keyPinned === false
        ? `the checkpoints were verified only with the key the server itself publishes (no --vkey), and whoever controls the server can replace the log, its checkpoints and that key together. Pin the tenant's verifier key with --vkey, or give a checkpoint from outside the server`
        : `no checkpoint that verifies with the pinned key covers any event (${this.options.book.copies} found), so every event could have been rewritten, its leaf hash recomputed, without trace. Give a checkpoint the log signed`
    this.options.findings.add({
      kind: 'nothing_signed',
      severity: 'error',
      tenant: this.options.tenant,
      seq: 0,
      ...(end > 1 ? { endSeq: end } : {}),
      message: `nothing signed vouches for ${range}: ${why}: --checkpoint FILE (handed over with an export), --trusted FILE (saved by an earlier run with --save) or --checkpoint-dir DIR (the copies the checkpointer published)`,
    })
  }

  /** Names the events behind the first root difference, and judges the trusted checkpoint. */
  private explainDifferences(): void {
    const mismatch = this.firstMismatch
    if (mismatch) {
      for (const finding of this.locator.locate(mismatch.from)) this.options.findings.add(finding)
      if (!this.options.findings.hasEventFindingBefore(mismatch.size)) {
        for (const checkpoint of mismatch.checkpoints) {
          if (checkpoint.source === 'trusted') continue // judged below
          this.options.findings.add({
            kind: 'inconsistent_checkpoints',
            severity: 'error',
            tenant: this.options.tenant,
            seq: mismatch.from,
            endSeq: mismatch.size,
            treeSize: mismatch.size,
            source: checkpoint.source,
            message: `the signed root of size ${mismatch.size} (${checkpoint.label}) differs from the root recomputed from the events; the difference lies in seq ${mismatch.from} to ${mismatch.size - 1} and could not be narrowed further (the stored leaf hashes and tree were changed to match)`,
          })
        }
      }
    }
    this.judgeTrusted()
  }

  private judgeTrusted(): void {
    const trusted = this.trusted
    if (trusted?.status !== 'differs') return
    const checkpoint = this.options.book.trusted as VerifiedCheckpoint
    const earliest = this.options.findings.earliestEventSeqBefore(trusted.size)
    const where =
      earliest === undefined
        ? `the difference lies in seq ${trusted.from} to ${trusted.size - 1} and could not be narrowed further`
        : `the earliest differing event is seq ${earliest}`
    this.options.findings.add({
      kind: 'rewritten',
      severity: 'error',
      tenant: this.options.tenant,
      seq: earliest ?? trusted.from,
      ...(earliest === undefined ? { endSeq: trusted.size } : {}),
      treeSize: trusted.size,
      source: 'trusted',
      message: `the log is not consistent with the trusted checkpoint (${checkpoint.label}): at size ${trusted.size} the recomputed root is ${toBase64(trusted.root as Uint8Array)}, the trusted root ${toBase64(checkpoint.rootHash)}; ${where}`,
    })
  }

  private report(kind: Finding['kind'], seq: number, message: string, endSeq?: number): void {
    this.options.findings.add({
      kind,
      severity: 'error',
      tenant: this.options.tenant,
      seq,
      ...(endSeq !== undefined && endSeq > seq + 1 ? { endSeq } : {}),
      message,
    })
  }
}

function newest(a: VerifiedCheckpoint | undefined, b: VerifiedCheckpoint): VerifiedCheckpoint {
  if (a === undefined || b.size > a.size) return b
  // Of equal sizes, prefer the log's own copy: it is what --save is expected to store.
  return a.source !== 'log' && b.source === 'log' ? b : a
}
