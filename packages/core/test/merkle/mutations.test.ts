// Every way a proof can be damaged must be caught: a flipped bit anywhere, a hash dropped or
// added, the wrong index or size, the hashes in the wrong order.
import { describe, expect, it } from 'vitest'
import {
  MemoryHashStore,
  VerificationError,
  createTreeHasher,
  fromHex,
  nobleCrypto,
  verifyConsistency,
  verifyInclusion,
} from '@auditseal/core'
import { readTestdata } from '../support/testdata.js'

interface MerkleVectors {
  inputs: string[]
  roots: string[]
}

const vectors = readTestdata<MerkleVectors>('merkle.json')
const hasher = createTreeHasher(nobleCrypto)
const leaves = vectors.inputs.map((hex) => hasher.leafHash(fromHex(hex)))
const store = new MemoryHashStore(hasher)
store.append(leaves)
const root = (size: number) => fromHex(vectors.roots[size] as string)

function flipBit(hash: Uint8Array, bit: number): Uint8Array {
  const copy = hash.slice()
  copy[Math.floor(bit / 8)] = (copy[Math.floor(bit / 8)] as number) ^ (1 << (bit % 8))
  return copy
}

function inclusionFails(
  index: number,
  size: number,
  leaf: Uint8Array,
  proof: Uint8Array[],
  r: Uint8Array,
): boolean {
  try {
    verifyInclusion(hasher, index, size, leaf, proof, r)
    return false
  } catch (error) {
    return error instanceof VerificationError
  }
}

function consistencyFails(
  size1: number,
  size2: number,
  proof: Uint8Array[],
  r1: Uint8Array,
  r2: Uint8Array,
): boolean {
  try {
    verifyConsistency(hasher, size1, size2, proof, r1, r2)
    return false
  } catch (error) {
    return error instanceof VerificationError
  }
}

const inclusionCases: [number, number][] = []
for (let size = 1; size <= 8; size++) for (let i = 0; i < size; i++) inclusionCases.push([i, size])
const consistencyCases: [number, number][] = []
for (let s2 = 2; s2 <= 8; s2++) for (let s1 = 1; s1 < s2; s1++) consistencyCases.push([s1, s2])

describe('inclusion proofs that must fail', () => {
  it.each(inclusionCases)('leaf %i of size %i: any single flipped bit', (index, size) => {
    const proof = store.inclusionProof(index, size)
    const leaf = leaves[index] as Uint8Array
    for (let bit = 0; bit < 256; bit++) {
      proof.forEach((_, p) => {
        const bad = proof.slice()
        bad[p] = flipBit(proof[p] as Uint8Array, bit)
        expect(inclusionFails(index, size, leaf, bad, root(size)), `proof[${p}] bit ${bit}`).toBe(
          true,
        )
      })
      expect(inclusionFails(index, size, flipBit(leaf, bit), proof, root(size))).toBe(true)
      expect(inclusionFails(index, size, leaf, proof, flipBit(root(size), bit))).toBe(true)
    }
  })

  it.each(inclusionCases)('leaf %i of size %i: dropped, added, reordered', (index, size) => {
    const proof = store.inclusionProof(index, size)
    const leaf = leaves[index] as Uint8Array
    for (let p = 0; p < proof.length; p++) {
      const dropped = proof.filter((_, i) => i !== p)
      expect(inclusionFails(index, size, leaf, dropped, root(size))).toBe(true)
    }
    for (let p = 0; p <= proof.length; p++) {
      const added = [...proof.slice(0, p), new Uint8Array(32).fill(7), ...proof.slice(p)]
      expect(inclusionFails(index, size, leaf, added, root(size))).toBe(true)
    }
    for (let p = 0; p + 1 < proof.length; p++) {
      const swapped = proof.slice()
      ;[swapped[p], swapped[p + 1]] = [swapped[p + 1] as Uint8Array, swapped[p] as Uint8Array]
      expect(inclusionFails(index, size, leaf, swapped, root(size))).toBe(true)
    }
  })

  it.each(inclusionCases)('leaf %i of size %i: wrong index or size', (index, size) => {
    const proof = store.inclusionProof(index, size)
    const leaf = leaves[index] as Uint8Array
    for (let other = 0; other < 10; other++) {
      if (other !== index) expect(inclusionFails(other, size, leaf, proof, root(size))).toBe(true)
    }
    for (let other = 1; other <= 8; other++) {
      // A proof for size s can coincide with one for another size (the same path shape and
      // the same root only when the trees are equal): compare against that size's root.
      if (other !== size) expect(inclusionFails(index, other, leaf, proof, root(other))).toBe(true)
    }
  })

  it('rejects hashes that are not 32 bytes', () => {
    const proof = store.inclusionProof(5, 8)
    expect(inclusionFails(5, 8, new Uint8Array(31), proof, root(8))).toBe(true)
    expect(inclusionFails(5, 8, leaves[5] as Uint8Array, proof, new Uint8Array(33))).toBe(true)
    const short = [new Uint8Array(31), ...proof.slice(1)]
    expect(inclusionFails(5, 8, leaves[5] as Uint8Array, short, root(8))).toBe(true)
  })
})

describe('consistency proofs that must fail', () => {
  it.each(consistencyCases)('size %i to %i: any single flipped bit', (size1, size2) => {
    const proof = store.consistencyProof(size1, size2)
    for (let bit = 0; bit < 256; bit++) {
      proof.forEach((_, p) => {
        const bad = proof.slice()
        bad[p] = flipBit(proof[p] as Uint8Array, bit)
        expect(consistencyFails(size1, size2, bad, root(size1), root(size2))).toBe(true)
      })
      expect(consistencyFails(size1, size2, proof, flipBit(root(size1), bit), root(size2))).toBe(
        true,
      )
      expect(consistencyFails(size1, size2, proof, root(size1), flipBit(root(size2), bit))).toBe(
        true,
      )
    }
  })

  it.each(consistencyCases)('size %i to %i: dropped, added, reordered', (size1, size2) => {
    const proof = store.consistencyProof(size1, size2)
    for (let p = 0; p < proof.length; p++) {
      const dropped = proof.filter((_, i) => i !== p)
      expect(consistencyFails(size1, size2, dropped, root(size1), root(size2))).toBe(true)
    }
    for (let p = 0; p <= proof.length; p++) {
      const added = [...proof.slice(0, p), new Uint8Array(32).fill(9), ...proof.slice(p)]
      expect(consistencyFails(size1, size2, added, root(size1), root(size2))).toBe(true)
    }
    for (let p = 0; p + 1 < proof.length; p++) {
      const swapped = proof.slice()
      ;[swapped[p], swapped[p + 1]] = [swapped[p + 1] as Uint8Array, swapped[p] as Uint8Array]
      expect(consistencyFails(size1, size2, swapped, root(size1), root(size2))).toBe(true)
    }
  })

  it.each(consistencyCases)('size %i to %i: wrong sizes', (size1, size2) => {
    const proof = store.consistencyProof(size1, size2)
    for (let other = 1; other <= 8; other++) {
      if (other !== size1 && other <= size2) {
        expect(consistencyFails(other, size2, proof, root(other), root(size2))).toBe(true)
      }
      if (other !== size2 && other >= size1) {
        expect(consistencyFails(size1, other, proof, root(size1), root(other))).toBe(true)
      }
    }
  })

  it('handles the degenerate sizes as RFC 9162 and its reference verifier do', () => {
    expect(consistencyFails(4, 4, [], root(4), root(4))).toBe(false)
    expect(consistencyFails(4, 4, [], root(4), root(5))).toBe(true)
    expect(consistencyFails(4, 4, [root(4)], root(4), root(4))).toBe(true)
    expect(consistencyFails(0, 8, [], root(0), root(8))).toBe(false)
    expect(consistencyFails(0, 8, [root(1)], root(0), root(8))).toBe(true)
    expect(consistencyFails(0, 8, [], root(1), root(8))).toBe(true)
    expect(consistencyFails(6, 8, [], root(6), root(8))).toBe(true)
    expect(consistencyFails(8, 6, store.consistencyProof(6, 8), root(8), root(6))).toBe(true)
  })
})
