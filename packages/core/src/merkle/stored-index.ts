// The dense numbering of stored hashes used by Go's golang.org/x/mod/sumdb/tlog: every
// complete subtree's hash gets one integer index, in the order the hashes become known while
// leaves are appended. A log keeps (tenant, index) -> hash, and a proof is one batched read.

import { assertSize } from './size.js'

/**
 * storedHashIndex maps the n'th hash at `level` (the root of leaves [n*2^level, (n+1)*2^level))
 * to its position in the stored order. Level 0 holds the leaf hashes.
 */
export function storedHashIndex(level: number, n: number): number {
  // Level L's n'th hash is written right after level L+1's 2n+1'th hash.
  // Work down to the level-0 ordering, then add back the level count.
  let m = n
  for (let l = level; l > 0; l--) m = 2 * m + 1
  // Level 0's m'th hash is written at m + m/2 + m/4 + ... (until m/2^i hits zero).
  let index = 0
  for (; m > 0; m = Math.floor(m / 2)) index += m
  return index + level
}

/** storedHashCount is the number of stored hashes a tree of `size` leaves has. */
export function storedHashCount(size: number): number {
  assertSize('size', size)
  if (size === 0) return 0
  // All hashes up to and including the last leaf's hash...
  let count = storedHashIndex(0, size - 1) + 1
  // ...plus the subtrees completed by that leaf: one per trailing one bit of size-1.
  for (let i = size - 1; i % 2 === 1; i = Math.floor(i / 2)) count++
  return count
}
