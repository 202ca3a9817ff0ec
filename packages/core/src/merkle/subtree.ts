// Hashes of arbitrary ranges [lo, hi) of leaves, from stored hashes. A range that is not a
// single complete subtree is split into complete subtrees, largest first, and their hashes
// are folded right to left — the RFC 6962 §2.1 MTH recursion unrolled along the right edge.

import { AuditsealError } from '../errors.js'
import type { TreeHasher } from './hash.js'
import { maxPow2 } from './size.js'
import { storedHashIndex } from './stored-index.js'

/** Complete subtrees covering [lo, hi), largest first, as (level, index at that level). */
function* completeSubtrees(lo: number, hi: number): Generator<{ level: number; n: number }> {
  let start = lo
  while (start < hi) {
    // The largest power of two k <= hi - start: maxPow2 gives the largest below hi-start+1.
    const { k, level } = maxPow2(hi - start + 1)
    if (start % k !== 0) throw new Error('merkle: subtree range is not aligned')
    yield { level, n: start / k }
    start += k
  }
}

/** The stored hash indexes needed to compute the hash of leaves [lo, hi), in order. */
export function subtreeIndexes(lo: number, hi: number, need: number[] = []): number[] {
  for (const { level, n } of completeSubtrees(lo, hi)) need.push(storedHashIndex(level, n))
  return need
}

/** A cursor over the hashes a planner asked for, consumed in the planner's order. */
export class HashCursor {
  private position = 0

  constructor(private readonly hashes: readonly Uint8Array[]) {}

  take(count: number): readonly Uint8Array[] {
    if (this.position + count > this.hashes.length) {
      throw new AuditsealError(
        'INVALID_ARGUMENT',
        `merkle: ${String(this.hashes.length)} stored hashes given, more are needed`,
      )
    }
    const taken = this.hashes.slice(this.position, this.position + count)
    this.position += count
    return taken
  }

  assertDone(): void {
    if (this.position !== this.hashes.length) {
      throw new AuditsealError(
        'INVALID_ARGUMENT',
        `merkle: ${String(this.hashes.length)} stored hashes given, ${String(this.position)} used`,
      )
    }
  }
}

/** The hash of leaves [lo, hi) from the hashes `subtreeIndexes(lo, hi)` named. */
export function subtreeHash(
  hasher: TreeHasher,
  lo: number,
  hi: number,
  cursor: HashCursor,
): Uint8Array {
  const count = [...completeSubtrees(lo, hi)].length
  const parts = cursor.take(count)
  // Build the hash from right to left: MTH(left || right) with the ragged edge on the right.
  let hash = parts[count - 1] as Uint8Array
  for (let i = count - 2; i >= 0; i--) hash = hasher.nodeHash(parts[i] as Uint8Array, hash)
  return hash
}
