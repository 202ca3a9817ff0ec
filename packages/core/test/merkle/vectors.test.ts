import { describe, expect, it } from 'vitest'
import {
  MemoryHashStore,
  createTreeHasher,
  fromHex,
  nobleCrypto,
  toHex,
  verifyConsistency,
  verifyInclusion,
} from '@auditseal/core'
import { readTestdata } from '../support/testdata.js'
import { referencePath, referenceProof, referenceRoot } from './reference.js'

interface MerkleVectors {
  inputs: string[]
  leaf_hashes: string[]
  roots: string[]
  inclusion: { index: number; size: number; leaf_hash: string; path: string[] }[]
  consistency: { size1: number; size2: number; proof: string[] }[]
}

const vectors = readTestdata<MerkleVectors>('merkle.json')
const hasher = createTreeHasher(nobleCrypto)
const leaves = vectors.inputs.map((hex) => hasher.leafHash(fromHex(hex)))
const store = new MemoryHashStore(hasher)
store.append(leaves)

// Published by the Certificate Transparency project for the RFC 6962 reference tree; the
// vector file must agree with them, so it cannot drift with the code it checks.
const PUBLISHED_ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
]
const PUBLISHED_CONSISTENCY_6_8 = [
  '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
  'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
]

describe('the RFC 6962 reference tree of 8 leaves', () => {
  it('the vector file agrees with the published roots and the RFC transcription', () => {
    expect(vectors.roots).toEqual(PUBLISHED_ROOTS)
    expect(vectors.leaf_hashes).toEqual(leaves.map(toHex))
    for (let size = 0; size <= 8; size++) {
      expect(toHex(referenceRoot(hasher, leaves.slice(0, size)))).toBe(vectors.roots[size])
    }
    const proof = vectors.consistency.find((c) => c.size1 === 6 && c.size2 === 8)
    expect(proof?.proof).toEqual(PUBLISHED_CONSISTENCY_6_8)
    expect(vectors.inclusion).toHaveLength(36)
    expect(vectors.consistency).toHaveLength(36)
  })

  it('has the published root at every size from 0 to 8', () => {
    for (let size = 0; size <= 8; size++) {
      expect(toHex(store.root(size)), `size ${size}`).toBe(vectors.roots[size])
    }
  })

  it.each(vectors.inclusion)('proves leaf $index in tree size $size', (v) => {
    const proof = store.inclusionProof(v.index, v.size)
    expect(proof.map(toHex)).toEqual(v.path)
    expect(proof.map(toHex)).toEqual(
      referencePath(hasher, v.index, leaves.slice(0, v.size)).map(toHex),
    )
    const root = fromHex(vectors.roots[v.size] as string)
    expect(() =>
      verifyInclusion(hasher, v.index, v.size, fromHex(v.leaf_hash), proof, root),
    ).not.toThrow()
  })

  it.each(vectors.consistency)('proves size $size1 is a prefix of size $size2', (v) => {
    const proof = store.consistencyProof(v.size1, v.size2)
    expect(proof.map(toHex)).toEqual(v.proof)
    if (v.size1 < v.size2) {
      expect(proof.map(toHex)).toEqual(
        referenceProof(hasher, v.size1, leaves.slice(0, v.size2)).map(toHex),
      )
    }
    const root1 = fromHex(vectors.roots[v.size1] as string)
    const root2 = fromHex(vectors.roots[v.size2] as string)
    expect(() => verifyConsistency(hasher, v.size1, v.size2, proof, root1, root2)).not.toThrow()
  })
})
