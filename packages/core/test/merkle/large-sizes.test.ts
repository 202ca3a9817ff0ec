// Sizes and indexes beyond 2^32 (where JavaScript's bit operators would silently wrap).
import { describe, expect, it } from 'vitest'
import {
  VerificationError,
  consistencyProofFromStored,
  consistencyProofIndexes,
  inclusionProofFromStored,
  inclusionProofIndexes,
  storedHashCount,
  storedHashIndex,
  treeHashFromStored,
  treeHashIndexes,
  utf8,
  verifyConsistency,
  verifyInclusion,
} from '@auditseal/core'
import { fastHasher as hasher } from '../support/node-sha256.js'
import { UniformTree } from '../support/uniform-tree.js'

const tree = new UniformTree(hasher, hasher.leafHash(utf8('same leaf everywhere')))
const root = (size: number) =>
  treeHashFromStored(hasher, size, tree.readHashes(treeHashIndexes(size)))

function flipLastBit(hash: Uint8Array): Uint8Array {
  const copy = hash.slice()
  copy[31] = (copy[31] as number) ^ 1
  return copy
}

describe('trees larger than 2^32 leaves', () => {
  const sizes = [2 ** 32 + 1, 2 ** 33 - 1, 5_000_000_007, 2 ** 40 + 12_345, 2 ** 52 - 3]

  it('index arithmetic does not wrap at 32 bits', () => {
    expect(storedHashIndex(0, 2 ** 32)).toBe(2 ** 33 - 1)
    expect(storedHashIndex(1, 2 ** 31)).toBe(storedHashIndex(0, 2 ** 32 + 1) + 1)
    expect(storedHashCount(2 ** 32)).toBe(2 ** 33 - 1)
  })

  it.each(sizes)('proves inclusion of the first, middle and last leaf of %i', (size) => {
    const r = root(size)
    for (const index of [0, Math.floor(size / 2), size - 1, 2 ** 32 - 1, 2 ** 32]) {
      if (index >= size) continue
      const proof = inclusionProofFromStored(
        hasher,
        size,
        index,
        tree.readHashes(inclusionProofIndexes(size, index)),
      )
      verifyInclusion(hasher, index, size, tree.leafHash, proof, r)
      // All leaves are equal here, so a changed hash (not a changed index) is the tamper test.
      const bad = proof.map((hash, i) => (i === proof.length - 1 ? flipLastBit(hash) : hash))
      expect(() => verifyInclusion(hasher, index, size, tree.leafHash, bad, r)).toThrow(
        VerificationError,
      )
    }
  })

  it.each(sizes)('proves consistency from smaller trees to %i', (size) => {
    for (const from of [1, 3, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, size - 1]) {
      if (from > size) continue
      const proof = consistencyProofFromStored(
        hasher,
        from,
        size,
        tree.readHashes(consistencyProofIndexes(from, size)),
      )
      verifyConsistency(hasher, from, size, proof, root(from), root(size))
    }
  })
})
