// An in-memory stored-hash log: what the verifier, tests and benchmarks use to hold a tree
// they build themselves. Hashes live in large flat chunks (32 bytes each) rather than one
// object per hash, so a tree of millions of leaves costs its bytes and little more.
// It does no I/O; the server keeps the same hashes in PostgreSQL.

import { EMPTY_FRONTIER, appendLeaves, frontierRoot } from './append.js'
import type { Frontier } from './append.js'
import type { TreeHasher } from './hash.js'
import { HASH_SIZE } from './hash.js'
import {
  consistencyProofFromStored,
  consistencyProofIndexes,
  inclusionProofFromStored,
  inclusionProofIndexes,
  treeHashFromStored,
  treeHashIndexes,
} from './prove.js'

const HASHES_PER_CHUNK = 65_536

export class MemoryHashStore {
  private readonly chunks: Uint8Array[] = []
  private count = 0
  private edge: Frontier = EMPTY_FRONTIER

  constructor(private readonly hasher: TreeHasher) {}

  get size(): number {
    return this.edge.size
  }

  get frontier(): Frontier {
    return this.edge
  }

  /** Appends leaf hashes; returns the new root. */
  append(leafHashes: readonly Uint8Array[]): Uint8Array {
    const { frontier, stored } = appendLeaves(this.hasher, this.edge, leafHashes)
    // appendLeaves yields hashes in stored-index order, so the store stays dense.
    for (const { index, hash } of stored) {
      if (index !== this.count) throw new Error('merkle: stored hashes out of order')
      const chunk = Math.floor(index / HASHES_PER_CHUNK)
      if (chunk === this.chunks.length) {
        this.chunks.push(new Uint8Array(HASHES_PER_CHUNK * HASH_SIZE))
      }
      ;(this.chunks[chunk] as Uint8Array).set(hash, (index % HASHES_PER_CHUNK) * HASH_SIZE)
      this.count++
    }
    this.edge = frontier
    return frontierRoot(this.hasher, frontier)
  }

  /** The stored hashes at `indexes`, as views into the store (copy them to keep them). */
  readHashes(indexes: readonly number[]): Uint8Array[] {
    return indexes.map((index) => {
      if (!Number.isSafeInteger(index) || index < 0 || index >= this.count) {
        throw new RangeError(`no stored hash at index ${String(index)}`)
      }
      const chunk = this.chunks[Math.floor(index / HASHES_PER_CHUNK)] as Uint8Array
      const offset = (index % HASHES_PER_CHUNK) * HASH_SIZE
      return chunk.subarray(offset, offset + HASH_SIZE)
    })
  }

  root(size = this.size): Uint8Array {
    this.assertKnownSize(size)
    return treeHashFromStored(this.hasher, size, this.readHashes(treeHashIndexes(size)))
  }

  inclusionProof(index: number, size = this.size): Uint8Array[] {
    this.assertKnownSize(size)
    const indexes = inclusionProofIndexes(size, index)
    return inclusionProofFromStored(this.hasher, size, index, this.readHashes(indexes))
  }

  consistencyProof(from: number, to = this.size): Uint8Array[] {
    this.assertKnownSize(to)
    const indexes = consistencyProofIndexes(from, to)
    return consistencyProofFromStored(this.hasher, from, to, this.readHashes(indexes))
  }

  private assertKnownSize(size: number): void {
    if (size > this.size) {
      throw new RangeError(
        `tree size ${String(size)} is beyond the ${String(this.size)} leaves held`,
      )
    }
  }
}
