// Tree heads, inclusion proofs and consistency proofs from stored hashes, each split into a
// planner ("which stored hashes do I need?") and a computer ("compute from these hashes"),
// as Go's sumdb/tlog does: the caller does one batched read between the two.

import { AuditsealError } from '../errors.js'
import type { TreeHasher } from './hash.js'
import { assertSize, maxPow2 } from './size.js'
import { HashCursor, subtreeHash, subtreeIndexes } from './subtree.js'

/** Stored hash indexes needed for the root of a tree of `size` leaves. */
export function treeHashIndexes(size: number): number[] {
  assertSize('size', size)
  return subtreeIndexes(0, size)
}

/** The root of a tree of `size` leaves (RFC 6962 §2.1 MTH), from `treeHashIndexes(size)`. */
export function treeHashFromStored(
  hasher: TreeHasher,
  size: number,
  hashes: readonly Uint8Array[],
): Uint8Array {
  assertSize('size', size)
  if (size === 0) return hasher.emptyRoot()
  const cursor = new HashCursor(hashes)
  const root = subtreeHash(hasher, 0, size, cursor)
  cursor.assertDone()
  return root
}

function assertLeafIndex(index: number, size: number): void {
  assertSize('size', size)
  assertSize('leaf index', index)
  if (index >= size) {
    throw new AuditsealError(
      'INVALID_ARGUMENT',
      `leaf index ${String(index)} is not below tree size ${String(size)}`,
    )
  }
}

/**
 * Stored hash indexes needed for the inclusion proof of leaf `index` in a tree of `size`.
 * Requires 0 <= index < size.
 */
export function inclusionProofIndexes(size: number, index: number): number[] {
  assertLeafIndex(index, size)
  return leafProofIndexes(0, size, index, [])
}

function leafProofIndexes(lo: number, hi: number, index: number, need: number[]): number[] {
  if (lo + 1 === hi) return need
  const { k } = maxPow2(hi - lo)
  if (index < lo + k) {
    leafProofIndexes(lo, lo + k, index, need)
    subtreeIndexes(lo + k, hi, need)
  } else {
    subtreeIndexes(lo, lo + k, need)
    leafProofIndexes(lo + k, hi, index, need)
  }
  return need
}

/**
 * The RFC 9162 §2.1.3.1 inclusion path of leaf `index` in a tree of `size` (leaf to root),
 * from the hashes `inclusionProofIndexes(size, index)` named.
 */
export function inclusionProofFromStored(
  hasher: TreeHasher,
  size: number,
  index: number,
  hashes: readonly Uint8Array[],
): Uint8Array[] {
  assertLeafIndex(index, size)
  const cursor = new HashCursor(hashes)
  const proof = leafProof(hasher, 0, size, index, cursor)
  cursor.assertDone()
  return proof
}

function leafProof(
  hasher: TreeHasher,
  lo: number,
  hi: number,
  index: number,
  cursor: HashCursor,
): Uint8Array[] {
  if (lo + 1 === hi) return []
  const { k } = maxPow2(hi - lo)
  let proof: Uint8Array[]
  let sibling: Uint8Array
  if (index < lo + k) {
    proof = leafProof(hasher, lo, lo + k, index, cursor)
    sibling = subtreeHash(hasher, lo + k, hi, cursor)
  } else {
    sibling = subtreeHash(hasher, lo, lo + k, cursor)
    proof = leafProof(hasher, lo + k, hi, index, cursor)
  }
  proof.push(sibling)
  return proof
}

function assertSizes(from: number, to: number): void {
  assertSize('first tree size', from)
  assertSize('second tree size', to)
  if (from > to) {
    throw new AuditsealError(
      'INVALID_ARGUMENT',
      `first tree size ${String(from)} is larger than second tree size ${String(to)}`,
    )
  }
}

/**
 * Stored hash indexes needed for the consistency proof between trees of sizes `from` and `to`.
 * Requires 0 <= from <= to. Trees of size 0 and equal sizes need no hashes.
 */
export function consistencyProofIndexes(from: number, to: number): number[] {
  assertSizes(from, to)
  if (from === 0 || from === to) return []
  return treeProofIndexes(0, to, from, [])
}

function treeProofIndexes(lo: number, hi: number, n: number, need: number[]): number[] {
  if (n === hi) return lo === 0 ? need : subtreeIndexes(lo, hi, need)
  const { k } = maxPow2(hi - lo)
  if (n <= lo + k) {
    treeProofIndexes(lo, lo + k, n, need)
    subtreeIndexes(lo + k, hi, need)
  } else {
    subtreeIndexes(lo, lo + k, need)
    treeProofIndexes(lo + k, hi, n, need)
  }
  return need
}

/**
 * The RFC 9162 §2.1.4.1 consistency proof between trees of sizes `from` and `to`, from the
 * hashes `consistencyProofIndexes(from, to)` named. Empty when from is 0 or equals to.
 */
export function consistencyProofFromStored(
  hasher: TreeHasher,
  from: number,
  to: number,
  hashes: readonly Uint8Array[],
): Uint8Array[] {
  assertSizes(from, to)
  const cursor = new HashCursor(hashes)
  const proof = from === 0 || from === to ? [] : treeProof(hasher, 0, to, from, cursor)
  cursor.assertDone()
  return proof
}

function treeProof(
  hasher: TreeHasher,
  lo: number,
  hi: number,
  n: number,
  cursor: HashCursor,
): Uint8Array[] {
  // SUBPROOF(m, D[n], b) of RFC 6962 §2.1.2: when m == n the subtree itself is known to the
  // verifier only if it is the whole old tree (b = true, lo == 0).
  if (n === hi) return lo === 0 ? [] : [subtreeHash(hasher, lo, hi, cursor)]
  const { k } = maxPow2(hi - lo)
  let proof: Uint8Array[]
  let sibling: Uint8Array
  if (n <= lo + k) {
    proof = treeProof(hasher, lo, lo + k, n, cursor)
    sibling = subtreeHash(hasher, lo + k, hi, cursor)
  } else {
    sibling = subtreeHash(hasher, lo, lo + k, cursor)
    proof = treeProof(hasher, lo + k, hi, n, cursor)
  }
  proof.push(sibling)
  return proof
}
