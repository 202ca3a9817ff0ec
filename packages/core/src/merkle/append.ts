// Appending leaves without reading the tree back: the "frontier" of a tree of size n is the
// list of hashes of its complete subtrees along the right edge (one per one bit of n, largest
// first). It is all an append needs, and it yields exactly the new stored hashes to persist.

import { AuditsealError } from '../errors.js'
import type { TreeHasher } from './hash.js'
import { HASH_SIZE } from './hash.js'
import { assertSize, isOdd, popCount, shiftRight } from './size.js'
import { storedHashIndex } from './stored-index.js'
import { subtreeIndexes } from './subtree.js'

/** A tree's size and the hashes of the complete subtrees on its right edge, largest first. */
export interface Frontier {
  readonly size: number
  readonly hashes: readonly Uint8Array[]
}

/** A hash to persist, at its dense tlog index (see storedHashIndex). */
export interface StoredHash {
  readonly index: number
  readonly hash: Uint8Array
}

export const EMPTY_FRONTIER: Frontier = { size: 0, hashes: [] }

/** Checks that a frontier read back from storage has the shape its size demands. */
export function assertFrontier(frontier: Frontier): void {
  assertSize('frontier size', frontier.size)
  if (frontier.hashes.length !== popCount(frontier.size)) {
    throw new AuditsealError(
      'INVALID_ARGUMENT',
      `a frontier of size ${String(frontier.size)} has ${String(popCount(frontier.size))} hashes, not ${String(frontier.hashes.length)}`,
    )
  }
  for (const hash of frontier.hashes) {
    if (hash.length !== HASH_SIZE) {
      throw new AuditsealError('INVALID_ARGUMENT', 'frontier hashes must be 32 bytes')
    }
  }
}

/** Stored hash indexes of a tree's frontier, to rebuild it from stored hashes. */
export function frontierIndexes(size: number): number[] {
  assertSize('size', size)
  return subtreeIndexes(0, size)
}

/**
 * appendLeaves adds leaf hashes to a tree given by its frontier. It returns the new frontier
 * and every stored hash the new leaves complete (each leaf hash, then the subtrees it closes),
 * for the caller to write in the same transaction as the leaves.
 */
export function appendLeaves(
  hasher: TreeHasher,
  frontier: Frontier,
  leafHashes: readonly Uint8Array[],
): { frontier: Frontier; stored: StoredHash[] } {
  assertFrontier(frontier)
  const edge = [...frontier.hashes]
  const stored: StoredHash[] = []
  let size = frontier.size
  for (const leafHash of leafHashes) {
    if (leafHash.length !== HASH_SIZE) {
      throw new AuditsealError('INVALID_ARGUMENT', 'leaf hashes must be 32 bytes')
    }
    let hash = leafHash
    stored.push({ index: storedHashIndex(0, size), hash })
    // Each trailing one bit of the old size is a complete subtree that the new leaf now pairs
    // with: SHA256(0x01 || left || right), one level up each time.
    for (let level = 0; isOdd(shiftRight(size, level)); level++) {
      const left = edge.pop() as Uint8Array
      hash = hasher.nodeHash(left, hash)
      stored.push({ index: storedHashIndex(level + 1, shiftRight(size, level + 1)), hash })
    }
    edge.push(hash)
    size++
  }
  return { frontier: { size, hashes: edge }, stored }
}

/** The root of the tree a frontier describes (RFC 6962 §2.1 MTH). */
export function frontierRoot(hasher: TreeHasher, frontier: Frontier): Uint8Array {
  assertFrontier(frontier)
  const { hashes } = frontier
  if (hashes.length === 0) return hasher.emptyRoot()
  let hash = hashes[hashes.length - 1] as Uint8Array
  for (let i = hashes.length - 2; i >= 0; i--) hash = hasher.nodeHash(hashes[i] as Uint8Array, hash)
  return hash
}
