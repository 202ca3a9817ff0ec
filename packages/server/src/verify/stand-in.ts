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

export class StandInTree {
  /** undefined while it is the recomputed tree (nothing stood in yet). */
  private tree: StreamingTree | undefined
  private nextSize = 0
  private lastMatched = 0
  private mismatchAt: { from: number; size: number } | undefined
  private brokenAt: StandInBreak | undefined

  constructor(
    private readonly digests: TreeDigests,
    private readonly sizes: readonly number[],
    private readonly signedAt: (size: number) => readonly VerifiedCheckpoint[],
  ) {}

  /** True once some leaf stood in for an event, a gap or a record left out. */
  get diverged(): boolean {
    return this.tree !== undefined || this.brokenAt !== undefined
  }

  /** The first range whose signed root differs from this tree's, if any. */
  get mismatch(): { from: number; size: number } | undefined {
    return this.mismatchAt
  }

  get broken(): StandInBreak | undefined {
    return this.brokenAt
  }

  /** The largest signed size up to which every signed root matched this tree. */
  get matchedUpTo(): number {
    return this.lastMatched
  }

  /**
   * Follows the recomputed tree while nothing stood in: `main` is that tree as it is before
   * the current event, and its judgement so far (its matched size and first difference).
   */
  private diverge(main: TreeMark, judged: { matched: number; nextSize: number }): StreamingTree {
    if (this.tree !== undefined) return this.tree
    const tree = new StreamingTree(this.digests)
    tree.reset(main)
    this.tree = tree
    this.lastMatched = judged.matched
    this.nextSize = judged.nextSize
    return tree
  }

  /**
   * The next leaf in seq order: `own` is the recomputed one, `standIn` the stored one to use
   * instead (undefined: the event is as stored). `main` is the recomputed tree before it.
   */
  append(
    own: HashString,
    standIn: HashString | undefined,
    main: () => TreeMark,
    judged: () => { matched: number; nextSize: number },
  ): void {
    if (this.brokenAt !== undefined || this.mismatchAt !== undefined) return
    if (this.tree === undefined && (standIn === undefined || standIn === own)) return
    const tree = this.diverge(main(), judged())
    tree.append(standIn ?? own)
    this.judge(tree)
  }

  /** Leaves that stand in for missing seqs, before the next event's (see append). */
  fill(
    leaves: readonly HashString[],
    main: () => TreeMark,
    judged: () => { matched: number; nextSize: number },
  ): void {
    if (this.brokenAt !== undefined || this.mismatchAt !== undefined) return
    const tree = this.diverge(main(), judged())
    for (const leaf of leaves) {
      tree.append(leaf)
      this.judge(tree)
    }
  }

  /** A record that is not one of the signed log's leaves (a second event with a seq): skipped. */
  skip(main: () => TreeMark, judged: () => { matched: number; nextSize: number }): void {
    if (this.brokenAt !== undefined || this.mismatchAt !== undefined) return
    this.diverge(main(), judged())
  }

  /** From `seq` on nothing stands in: this tree says nothing more. */
  break(seq: number, why: string, judged: () => { matched: number; nextSize: number }): void {
    if (this.brokenAt !== undefined || this.mismatchAt !== undefined) return
    if (this.tree === undefined) this.lastMatched = judged().matched
    this.brokenAt = { seq, why }
  }

  private judge(tree: StreamingTree): void {
    const size = tree.size
    if (this.sizes[this.nextSize] !== size) return
    this.nextSize++
    const root = hashBytes(tree.root())
    if (this.signedAt(size).every((c) => constantTimeEqual(c.rootHash, root))) {
      this.lastMatched = size
    } else {
      this.mismatchAt = { from: this.lastMatched, size }
    }
  }
}
