// The tree the log signed, as far as the log's own stored leaves can stand in for the events
// that differ. Once one event differs from what the log signed, every later signed root
// differs from the recomputed tree, so those roots vouch for nothing after it: a second edit
// further on, its hashes recomputed, would go unnamed. This tree takes, for each event found
// different, the leaf the log stored for it (its leaf_hash, or the leaf in the stored tree) —
// and, for a seq that is missing, the stored tree's leaf of that seq — so that its roots can
// be compared with the signed ones past the first difference.
//
// Stored leaves are never evidence: where this tree's root matches a signed root, the leaves
// it used are exactly the ones signed, so the events standing differ from the signed events
// and every other event in the range is as signed; where it does not, something in that range
// changed that no stored leaf explains. A seq nothing can stand in for (a line missing from an
// export, events out of seq order) ends what it can say.

import { constantTimeEqual } from '@auditseal/core'
import type { VerifiedCheckpoint } from './checkpoints.js'
import type { HashString, TreeDigests, TreeMark } from './tree.js'
import { StreamingTree, hashBytes } from './tree.js'

/** A missing range longer than this is not filled from stored leaves (they are read per page). */
export const MAX_STAND_IN_GAP = 1000

/** Where this tree stopped: from `seq` on it says nothing. */
export interface StandInBreak {
  readonly seq: number
  readonly why: string
}

/** What the verifier has judged of the signed sizes so far, for the stand-in tree to start from. */
export interface Judged {
  matched: number
  nextSize: number
}

/**
 * Two trees, kept only once something stands in: `hinted`, where the leaf the log stored for an
 * event (its leaf_hash, else the stored tree's leaf) stands in where it differs from the
 * event's, and `plain`, with the events' own leaves — both with the stored tree's leaves for
 * missing seqs. A stored leaf may be the edited thing, not the event: where the signed root
 * matches `plain` but not `hinted`, the stored leaves were edited there, and the hints the
 * stored tree gives in that range are refuted (never findings); where it matches `hinted`,
 * they are confirmed. (Both kinds in one checkpoint range match neither: a range finding.)
 */
export class StandInTree {
  /** undefined while both are the recomputed tree (nothing stood in yet). */
  private hinted: StreamingTree | undefined
  private plain: StreamingTree | undefined
  /** Whether the two differ since the last signed size. */
  private hintsInRange = false
  private nextSize = 0
  private lastMatched = 0
  private mismatchAt: { from: number; size: number } | undefined
  private brokenAt: StandInBreak | undefined
  /** Ranges [from, to) whose stored-tree hints a signed root refuted. */
  private readonly refutedRanges: [number, number][] = []

  constructor(
    private readonly digests: TreeDigests,
    private readonly sizes: readonly number[],
    private readonly signedAt: (size: number) => readonly VerifiedCheckpoint[],
  ) {}

  /** True once some leaf stood in for an event, a gap or a record left out. */
  get diverged(): boolean {
    return this.hinted !== undefined || this.brokenAt !== undefined
  }

  /** The first range whose signed root neither tree gives, if any. */
  get mismatch(): { from: number; size: number } | undefined {
    return this.mismatchAt
  }

  get broken(): StandInBreak | undefined {
    return this.brokenAt
  }

  /** The largest signed size up to which every signed root matched. */
  get matchedUpTo(): number {
    return this.lastMatched
  }

  /** Whether a signed root showed the stored tree's leaf for `seq` to be the edited one. */
  refuted(seq: number): boolean {
    return this.refutedRanges.some(([from, to]) => seq >= from && seq < to)
  }

  private get done(): boolean {
    return this.brokenAt !== undefined || this.mismatchAt !== undefined
  }

  /**
   * Starts both trees from the recomputed one — `main`, as it is before the current event —
   * and its judgement so far, the first time anything stands in.
   */
  private diverge(main: () => TreeMark, judged: () => Judged): [StreamingTree, StreamingTree] {
    if (this.hinted === undefined || this.plain === undefined) {
      const mark = main()
      this.hinted = new StreamingTree(this.digests)
      this.hinted.reset(mark)
      this.plain = new StreamingTree(this.digests)
      this.plain.reset(mark)
      const { matched, nextSize } = judged()
      this.lastMatched = matched
      this.nextSize = nextSize
    }
    return [this.hinted, this.plain]
  }

  /**
   * The next leaf in seq order: `own` is the recomputed one, `stored` the leaf the log stored
   * for the event where it differs (undefined: the event is as stored).
   */
  append(
    own: HashString,
    stored: HashString | undefined,
    main: () => TreeMark,
    judged: () => Judged,
  ): void {
    if (this.done) return
    if (this.hinted === undefined && (stored === undefined || stored === own)) return
    const [hinted, plain] = this.diverge(main, judged)
    hinted.append(stored ?? own)
    plain.append(own)
    if (stored !== undefined && stored !== own) this.hintsInRange = true
    this.judge()
  }

  /** Leaves that stand in for missing seqs, before the next event's (see append). */
  fill(leaves: readonly HashString[], main: () => TreeMark, judged: () => Judged): void {
    if (this.done) return
    const [hinted, plain] = this.diverge(main, judged)
    for (const leaf of leaves) {
      hinted.append(leaf)
      plain.append(leaf)
      this.judge()
      if (this.done) return
    }
  }

  /** A record that is not one of the signed log's leaves (a second event with a seq): skipped. */
  skip(main: () => TreeMark, judged: () => Judged): void {
    if (!this.done) this.diverge(main, judged)
  }

  /** From `seq` on nothing stands in: this tree says nothing more. */
  break(seq: number, why: string, judged: () => Judged): void {
    if (this.done) return
    if (this.hinted === undefined) this.lastMatched = judged().matched
    this.brokenAt = { seq, why }
  }

  private judge(): void {
    const [hinted, plain] = [this.hinted as StreamingTree, this.plain as StreamingTree]
    const size = hinted.size
    if (this.sizes[this.nextSize] !== size) return
    this.nextSize++
    const signed = this.signedAt(size)
    const matches = (tree: StreamingTree) => {
      const root = hashBytes(tree.root())
      return signed.every((c) => constantTimeEqual(c.rootHash, root))
    }
    const hintsInRange = this.hintsInRange
    this.hintsInRange = false
    if (matches(hinted)) {
      if (hintsInRange) plain.reset(hinted.mark())
    } else if (hintsInRange && matches(plain)) {
      this.refutedRanges.push([this.lastMatched, size])
      hinted.reset(plain.mark())
    } else {
      this.mismatchAt = { from: this.lastMatched, size }
      return
    }
    this.lastMatched = size
  }
}
