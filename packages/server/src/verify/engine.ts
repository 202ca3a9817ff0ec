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
import { MAX_STAND_IN_GAP, StandInTree } from './stand-in.js'
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
  /** The tree with the log's stored leaves standing in for events found different. */
  private readonly standIn: StandInTree
  private readonly recent: Recent[] = []
  /** A decrease of recorded_at between the two latest events, judged at the next one. */
  private pendingOrder: { before?: Recent; previous: Recent; current: Recent } | undefined
  /** True when the source has the log's stored tree (a database), not only leaf hashes. */
  private storedTree = false
  private finished = false

  constructor(private readonly options: LogVerifierOptions) {
    const digests = options.digests ?? hasherDigests(options.hasher)
    this.tree = new StreamingTree(digests)
    this.sizes = options.book.sizes()
    this.standIn = new StandInTree(digests, this.sizes, (size) => options.book.at(size))
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
    const expected = this.seqs.expected
    const { seq, flagged } = this.seqs.next(record.seq, record.seqText ?? String(record.seq))
    const { leaf, problems, recordedAt } =
      check ?? checkRecord(record, this.options.tenant, this.options.hasher)
    // The leaf the log stored for this event where it differs from the recomputed one: what
    // stands in for it in the stand-in tree (and, for a clean event, a hint for locating).
    let stored: Uint8Array | undefined
    if (problems.length > 0) {
      this.report('modified', seq ?? this.seqs.expected, problems.join('; '))
      if (seq !== undefined && !flagged) {
        stored = differing(record.leafHash, leaf) ?? differing(record.storedLeaf?.(seq), leaf)
      }
    } else if (seq !== undefined && !flagged) {
      stored = this.noteHints(record, seq, leaf)
    }
    if (seq !== undefined && recordedAt !== undefined) {
      this.noteOrder(seq, recordedAt, problems.length === 0 && !flagged)
    }
    if (record.storedLeaf !== undefined) this.storedTree = true
    const own = hashString(leaf)
    this.standInFor(record, flagged ? undefined : seq, expected, own, stored)
    this.tree.append(own)
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
    this.pendingOrder = undefined
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
    this.pendingOrder = undefined
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
    if (this.pendingOrder !== undefined) this.judgeOrder(this.pendingOrder, undefined)
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

  /**
   * Gives the stand-in tree this record's place: the stored leaves of the seqs missing before
   * it, then `stored`, the leaf the log stored for it where it differs from the recomputed one
   * (its leaf_hash, else the stored tree's leaf). `seq` is undefined for a record that is not
   * the next seq (a second event with a seq, a late one, an unusable seq): left out.
   */
  private standInFor(
    record: EventRecord,
    seq: number | undefined,
    expected: number,
    own: HashString,
    stored: Uint8Array | undefined,
  ): void {
    const standIn = this.standIn
    // Nothing stood in yet and nothing stands in now (nearly every event): nothing to do.
    if (!standIn.diverged && seq === expected && stored === undefined) return
    // Condemned before anything stood in: the stand-in tree is the recomputed one.
    if (this.firstMismatch !== undefined && !standIn.diverged) return
    const main = () => this.tree.mark()
    const judged = () => ({ matched: this.lastMatchedSize, nextSize: this.nextSize })
    if (seq === undefined) return standIn.skip(main, judged)
    if (seq > expected) {
      const leaves: HashString[] = []
      for (let s = expected; s < seq && seq - expected <= MAX_STAND_IN_GAP; s++) {
        const stored = record.storedLeaf?.(s)
        if (stored === undefined) break
        leaves.push(hashString(stored))
      }
      if (leaves.length < seq - expected) {
        const at = expected + leaves.length
        return standIn.break(
          at,
          `no stored leaf stands in for seq ${at} (an export holds none; a database gap over ${MAX_STAND_IN_GAP} seqs, or a page with more missing seqs than are read, is not filled)`,
          judged,
        )
      }
      standIn.fill(leaves, main, judged)
    }
    standIn.append(own, stored && hashString(stored), main, judged)
  }

  /**
   * Compares the leaf with the one the log stored at seq (a hint for locating only); returns
   * the stored one when they differ.
   */
  private noteHints(record: EventRecord, seq: number, leaf: Uint8Array): Uint8Array | undefined {
    const storedLeaf = record.storedLeaf
    const stored = storedLeaf?.(seq)
    if (storedLeaf === undefined || stored === undefined || constantTimeEqual(stored, leaf)) {
      return undefined
    }
    const matches = (other: Uint8Array | undefined) =>
      other !== undefined && constantTimeEqual(other, leaf)
    const relation = matches(storedLeaf(seq - 1))
      ? 'prev'
      : matches(storedLeaf(seq + 1))
        ? 'next'
        : 'none'
    this.locator.noteLeaf({ seq, leaf, stored, relation })
    return stored
  }

  /**
   * recorded_at never decreases along seq. A decrease between two events is judged once the
   * event after them is read (judgeOrder).
   */
  private noteOrder(seq: number, recordedAt: string, clean: boolean): void {
    const current: Recent = { seq, recordedAt, clean }
    const pending = this.pendingOrder
    if (pending !== undefined) {
      this.pendingOrder = undefined
      this.judgeOrder(pending, current)
    }
    const [before, previous] = [this.recent.at(-2), this.recent.at(-1)]
    if (previous && recordedAt < previous.recordedAt) {
      this.pendingOrder = { ...(before ? { before } : {}), previous, current }
    }
    this.recent.push(current)
    if (this.recent.length > 2) this.recent.shift()
  }

  /**
   * Which of two events with decreasing recorded_at is out of place, given the events around
   * them: the earlier if the later fits after the one before (a spike), the later if the earlier
   * fits before the next (a dip). When both fit, the one that shares its recorded_at with a
   * neighbour is in place — the sealer gives a whole batch one recorded_at — else the earlier.
   */
  private judgeOrder(
    around: { before?: Recent; previous: Recent; current: Recent },
    next: Recent | undefined,
  ): void {
    const { before, previous, current } = around
    const spike = before === undefined || current.recordedAt >= before.recordedAt
    const dip = next === undefined || previous.recordedAt <= next.recordedAt
    let culprit = spike ? previous : current
    if (spike && dip) {
      const inBatch = (r: Recent) =>
        r.recordedAt === before?.recordedAt || r.recordedAt === next?.recordedAt
      if (inBatch(previous) && !inBatch(current)) culprit = current
    }
    if (culprit.clean) this.locator.noteOrder(culprit.seq)
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
      const standIn = this.standIn
      // A hint is confirmed only inside a range whose signed root the stand-in tree matched:
      // never where neither of its trees matches, nor past where it stopped.
      const confirmedBefore = !standIn.diverged
        ? mismatch.from
        : (standIn.mismatch?.from ?? standIn.matchedUpTo)
      const judge = { refuted: (seq: number) => standIn.refuted(seq), confirmedBefore }
      for (const finding of this.locator.locate(mismatch.from, judge)) {
        this.options.findings.add(finding)
      }
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
            message: `the signed root of size ${mismatch.size} (${checkpoint.label}) differs from the root recomputed from the events; the difference lies in seq ${mismatch.from} to ${mismatch.size - 1} and could not be narrowed further (${this.hiddenHow()}); the roots signed after it cannot vouch for the events after it either`,
          })
        }
      }
    }
    this.explainPastFindings()
    this.judgeTrusted()
  }

  /**
   * The smallest signed size whose root the events as read do not give — the first that
   * differs, or the first beyond the end of the log — undefined when every signed root matched.
   */
  private firstUnvouchedSize(): number | undefined {
    if (this.firstMismatch !== undefined) return this.firstMismatch.size
    return this.sizes.find((size) => size > this.count)
  }

  /** How a change can hide from the per-event checks, as the source shows it. */
  private hiddenHow(): string {
    return this.storedTree
      ? 'the stored leaf hashes and tree were changed to match'
      : 'the stored leaf hashes were changed to match'
  }

  /**
   * Past the first difference, what the stand-in tree says (stand-in.ts): a later range whose
   * signed root even the log's stored leaves do not give — something else changed there —
   * or, where nothing could stand in, that no signed root vouches for the events any more.
   */
  private explainPastFindings(): void {
    const standIn = this.standIn
    const unvouched = this.firstUnvouchedSize()
    // Where the events as read give every signed root, a stored leaf that stood in was false
    // (an edited tree node): the events are as signed, and the stand-in tree is not asked.
    if (!standIn.diverged || unvouched === undefined) return
    const later = standIn.mismatch
    if (later !== undefined) {
      if (later.size < unvouched) return // a false stored leaf, as above
      for (const checkpoint of this.options.book.at(later.size)) {
        if (checkpoint.source === 'trusted') continue // judged by judgeTrusted
        this.options.findings.add({
          kind: 'inconsistent_checkpoints',
          severity: 'error',
          tenant: this.options.tenant,
          seq: later.from,
          endSeq: later.size,
          treeSize: later.size,
          source: checkpoint.source,
          message: `the signed root of size ${later.size} (${checkpoint.label}) differs even from the tree the log's stored leaves give for the events found different before: something else in seq ${later.from} to ${later.size - 1} changed (${this.hiddenHow()}, or stored leaves were edited besides); the roots signed after it cannot vouch for the events after it either`,
        })
      }
      return
    }
    const broken = standIn.broken
    const from = standIn.matchedUpTo
    const end = this.options.book.newestSize
    if (broken === undefined || end <= from) return
    this.options.findings.add({
      kind: 'nothing_signed',
      severity: 'error',
      tenant: this.options.tenant,
      seq: from,
      endSeq: end,
      message: `no signed root vouches for seq ${from} to ${end - 1} any more: the events differ from what the log signed (the findings before), and ${broken.why}, so whether anything else in this range changed cannot be told; restore what is missing or out of place (from a backup, an earlier export) and verify again`,
    })
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

/** `stored` when it is a leaf other than `leaf`. */
function differing(stored: Uint8Array | undefined, leaf: Uint8Array): Uint8Array | undefined {
  return stored !== undefined && !constantTimeEqual(stored, leaf) ? stored : undefined
}

function newest(a: VerifiedCheckpoint | undefined, b: VerifiedCheckpoint): VerifiedCheckpoint {
  if (a === undefined || b.size > a.size) return b
  // Of equal sizes, prefer the log's own copy: it is what --save is expected to store.
  return a.source !== 'log' && b.source === 'log' ? b : a
}
