// Property tests: every proof the stored-hash code generates verifies, agrees with the
// RFC 6962 transcription, and stops verifying when any single bit changes.
import { describe, expect, it } from 'vitest'
import {
  EMPTY_FRONTIER,
  MemoryHashStore,
  VerificationError,
  appendLeaves,
  createTreeHasher,
  frontierRoot,
  nobleCrypto,
  storedHashCount,
  storedHashIndex,
  toHex,
  utf8,
  verifyConsistency,
  verifyInclusion,
} from '@auditseal/core'
import { fastHasher, nodeSha256 } from '../support/node-sha256.js'
import { randomInt, seededRandom } from '../support/prng.js'
import { referencePath, referenceProof, referenceRoot } from './reference.js'

const hasher = fastHasher
const MAX_SMALL = 300

function flipRandomBit(hash: Uint8Array, random: () => number): Uint8Array {
  const copy = hash.slice()
  const bit = randomInt(random, 256)
  copy[Math.floor(bit / 8)] = (copy[Math.floor(bit / 8)] as number) ^ (1 << (bit % 8))
  return copy
}

function throwsVerification(fn: () => void): boolean {
  try {
    fn()
    return false
  } catch (error) {
    if (error instanceof VerificationError) return true
    throw error
  }
}

const leaves = Array.from({ length: MAX_SMALL }, (_, i) => hasher.leafHash(utf8(`leaf ${i}`)))
const store = new MemoryHashStore(hasher)
const roots: Uint8Array[] = [store.root(0)]
for (const leaf of leaves) roots.push(store.append([leaf]))

describe('trees of every size up to 300', () => {
  it('node and browser SHA-256 agree', () => {
    const browser = createTreeHasher(nobleCrypto)
    for (const data of [new Uint8Array(0), utf8('abc'), new Uint8Array(1000).fill(3)]) {
      expect(toHex(browser.leafHash(data))).toBe(toHex(hasher.leafHash(data)))
      expect(toHex(nodeSha256(data))).toBe(toHex(nobleCrypto.sha256(data)))
    }
  })

  it('roots match the RFC 6962 transcription and the stored-hash count formula', () => {
    for (let size = 0; size <= MAX_SMALL; size++) {
      expect(toHex(store.root(size))).toBe(toHex(roots[size] as Uint8Array))
      if (size % 17 === 0 || size < 20) {
        expect(toHex(roots[size] as Uint8Array)).toBe(
          toHex(referenceRoot(hasher, leaves.slice(0, size))),
        )
      }
    }
    // Appending leaf by leaf and all at once store the same hashes.
    const { frontier, stored } = appendLeaves(hasher, EMPTY_FRONTIER, leaves)
    expect(stored.length).toBe(storedHashCount(MAX_SMALL))
    expect(stored.map((s) => s.index)).toEqual(stored.map((_, i) => i))
    expect(toHex(frontierRoot(hasher, frontier))).toBe(toHex(roots[MAX_SMALL] as Uint8Array))
  })

  it('every inclusion proof verifies, and a single flipped bit breaks it', () => {
    const random = seededRandom(6962)
    for (let size = 1; size <= MAX_SMALL; size++) {
      const root = roots[size] as Uint8Array
      for (let index = 0; index < size; index++) {
        const proof = store.inclusionProof(index, size)
        const leaf = leaves[index] as Uint8Array
        verifyInclusion(hasher, index, size, leaf, proof, root)
        if (proof.length > 0) {
          const bad = proof.slice()
          const p = randomInt(random, proof.length)
          bad[p] = flipRandomBit(proof[p] as Uint8Array, random)
          expect(
            throwsVerification(() => verifyInclusion(hasher, index, size, leaf, bad, root)),
          ).toBe(true)
        }
        const badLeaf = flipRandomBit(leaf, random)
        expect(
          throwsVerification(() => verifyInclusion(hasher, index, size, badLeaf, proof, root)),
        ).toBe(true)
      }
    }
  })

  it('inclusion paths equal RFC 6962 PATH for sampled leaves', () => {
    const random = seededRandom(1)
    for (let n = 0; n < 400; n++) {
      const size = 1 + randomInt(random, MAX_SMALL)
      const index = randomInt(random, size)
      expect(store.inclusionProof(index, size).map(toHex)).toEqual(
        referencePath(hasher, index, leaves.slice(0, size)).map(toHex),
      )
    }
  })

  it('every consistency proof verifies, and a single flipped bit breaks it', () => {
    const random = seededRandom(9162)
    for (let size2 = 1; size2 <= MAX_SMALL; size2++) {
      for (let size1 = 0; size1 <= size2; size1++) {
        const proof = store.consistencyProof(size1, size2)
        const root1 = roots[size1] as Uint8Array
        const root2 = roots[size2] as Uint8Array
        verifyConsistency(hasher, size1, size2, proof, root1, root2)
        if (proof.length > 0) {
          const bad = proof.slice()
          const p = randomInt(random, proof.length)
          bad[p] = flipRandomBit(proof[p] as Uint8Array, random)
          expect(
            throwsVerification(() => verifyConsistency(hasher, size1, size2, bad, root1, root2)),
          ).toBe(true)
          const badRoot = flipRandomBit(root1, random)
          expect(
            throwsVerification(() =>
              verifyConsistency(hasher, size1, size2, proof, badRoot, root2),
            ),
          ).toBe(true)
        }
      }
    }
  })

  it('consistency proofs equal RFC 6962 PROOF for sampled pairs', () => {
    const random = seededRandom(2)
    for (let n = 0; n < 400; n++) {
      const size2 = 2 + randomInt(random, MAX_SMALL - 1)
      const size1 = 1 + randomInt(random, size2 - 1)
      expect(store.consistencyProof(size1, size2).map(toHex)).toEqual(
        referenceProof(hasher, size1, leaves.slice(0, size2)).map(toHex),
      )
    }
  })
})

describe('random sizes up to a million leaves, from stored hashes', () => {
  const MILLION = 1_000_000
  const big = new MemoryHashStore(hasher)
  const batch: Uint8Array[] = []
  const seed = new Uint8Array(8)
  for (let i = 0; i < MILLION; i++) {
    new DataView(seed.buffer).setFloat64(0, i)
    batch.push(hasher.leafHash(seed.slice()))
    if (batch.length === 10_000) big.append(batch.splice(0))
  }

  it('proofs verify for random (leaf, size) pairs and fail with one bit flipped', () => {
    const random = seededRandom(1_000_000)
    for (let n = 0; n < 300; n++) {
      const size = 1 + randomInt(random, MILLION)
      const index = randomInt(random, size)
      const root = big.root(size)
      const proof = big.inclusionProof(index, size)
      const [leaf] = big.readHashes([storedHashIndex(0, index)]) as [Uint8Array]
      verifyInclusion(hasher, index, size, leaf, proof, root)
      const bad = proof.slice()
      const p = randomInt(random, proof.length)
      bad[p] = flipRandomBit(proof[p] as Uint8Array, random)
      expect(throwsVerification(() => verifyInclusion(hasher, index, size, leaf, bad, root))).toBe(
        true,
      )

      const size1 = 1 + randomInt(random, size)
      const consistency = big.consistencyProof(size1, size)
      verifyConsistency(hasher, size1, size, consistency, big.root(size1), root)
      if (consistency.length > 0) {
        const badC = consistency.slice()
        const c = randomInt(random, consistency.length)
        badC[c] = flipRandomBit(consistency[c] as Uint8Array, random)
        expect(
          throwsVerification(() =>
            verifyConsistency(hasher, size1, size, badC, big.root(size1), root),
          ),
        ).toBe(true)
      }
    }
  })
})
