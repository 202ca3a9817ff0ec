// A tree of any size (2^40 and beyond) whose leaves are all the same hash. Every complete
// subtree at one level then has the same hash, so its stored hashes can be synthesized in
// O(log n) while staying exactly consistent: proofs from it verify for real.

import type { TreeHasher } from '@auditseal/core'
import { storedHashIndex } from '@auditseal/core'

export class UniformTree {
  private readonly levels: Uint8Array[]

  constructor(
    private readonly hasher: TreeHasher,
    readonly leafHash: Uint8Array,
  ) {
    this.levels = [leafHash]
    for (let level = 1; level <= 64; level++) {
      const below = this.levels[level - 1] as Uint8Array
      this.levels.push(hasher.nodeHash(below, below))
    }
  }

  /** The level of the stored hash at `index` (its position n at that level is irrelevant). */
  levelOf(index: number): number {
    // Find the leaf n whose level-0 hash is the last at or before `index`; the hashes that
    // follow it are the subtrees it completes, one level up each.
    let lo = 0
    let hi = index
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2)
      if (storedHashIndex(0, mid) <= index) lo = mid
      else hi = mid - 1
    }
    return index - storedHashIndex(0, lo)
  }

  readHashes(indexes: readonly number[]): Uint8Array[] {
    return indexes.map((index) => this.levels[this.levelOf(index)] as Uint8Array)
  }
}
