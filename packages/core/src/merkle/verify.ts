// Proof verification exactly as RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency).
// The RFC's "right-shift" and "LSB" are written with arithmetic, since sizes exceed 2^32.

import { constantTimeEqual } from '../bytes.js'
import { AuditsealError, VerificationError } from '../errors.js'
import type { TreeHasher } from './hash.js'
import { HASH_SIZE } from './hash.js'
import { isOdd } from './size.js'

function assertHash(name: string, hash: Uint8Array, code: 'INCLUSION' | 'CONSISTENCY'): void {
  if (!(hash instanceof Uint8Array) || hash.length !== HASH_SIZE) {
    throw new VerificationError(`${code}_PROOF_INVALID`, `${name} is not a 32-byte hash`)
  }
}

function assertIndex(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new AuditsealError('INVALID_ARGUMENT', `${name} must be a non-negative integer`)
  }
}

/**
 * rootFromInclusionProof computes the root implied by an inclusion proof (RFC 9162 §2.1.3.2
 * steps 1–4). Requires 0 <= index < size; throws VerificationError when the proof has the
 * wrong length for (index, size).
 */
export function rootFromInclusionProof(
  hasher: TreeHasher,
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
): Uint8Array {
  assertIndex('leaf index', index)
  assertIndex('tree size', size)
  assertHash('leaf hash', leafHash, 'INCLUSION')
  proof.forEach((hash, i) => assertHash(`proof[${String(i)}]`, hash, 'INCLUSION'))
  // 1. If leaf_index >= tree_size, fail.
  if (index >= size) {
    throw new VerificationError(
      'INCLUSION_PROOF_INVALID',
      `leaf index ${String(index)} is not below tree size ${String(size)}`,
    )
  }
  // 2. fn = leaf_index, sn = tree_size - 1.  3. r = hash.
  let fn = index
  let sn = size - 1
  let r = leafHash
  // 4. For each value p in the inclusion_path array:
  for (const p of proof) {
    if (sn === 0) {
      throw new VerificationError('INCLUSION_PROOF_INVALID', 'inclusion proof is too long')
    }
    if (isOdd(fn) || fn === sn) {
      r = hasher.nodeHash(p, r)
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = Math.floor(fn / 2)
          sn = Math.floor(sn / 2)
        }
      }
    } else {
      r = hasher.nodeHash(r, p)
    }
    fn = Math.floor(fn / 2)
    sn = Math.floor(sn / 2)
  }
  // 5. sn must be 0.
  if (sn !== 0) {
    throw new VerificationError('INCLUSION_PROOF_INVALID', 'inclusion proof is too short')
  }
  return r
}

/**
 * verifyInclusion checks that `leafHash` is leaf `index` of the tree of `size` with root
 * `root` (RFC 9162 §2.1.3.2). Throws VerificationError if not.
 */
export function verifyInclusion(
  hasher: TreeHasher,
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): void {
  assertHash('root hash', root, 'INCLUSION')
  const computed = rootFromInclusionProof(hasher, index, size, leafHash, proof)
  if (!constantTimeEqual(computed, root)) {
    throw new VerificationError(
      'INCLUSION_PROOF_INVALID',
      `inclusion proof for leaf ${String(index)} does not lead to the root of tree size ${String(size)}`,
    )
  }
}

/**
 * verifyConsistency checks that the tree of size `size1` with root `root1` is a prefix of the
 * tree of size `size2` with root `root2` (RFC 9162 §2.1.4.2). Equal sizes need an empty proof
 * and equal roots; size1 = 0 needs an empty proof (the empty tree is a prefix of every tree).
 * Throws VerificationError if the proof does not hold.
 */
export function verifyConsistency(
  hasher: TreeHasher,
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): void {
  assertIndex('first tree size', size1)
  assertIndex('second tree size', size2)
  assertHash('first root hash', root1, 'CONSISTENCY')
  assertHash('second root hash', root2, 'CONSISTENCY')
  proof.forEach((hash, i) => assertHash(`proof[${String(i)}]`, hash, 'CONSISTENCY'))
  const fail = (why: string) => new VerificationError('CONSISTENCY_PROOF_INVALID', why)
  if (size2 < size1) throw fail(`tree size ${String(size2)} is smaller than ${String(size1)}`)
  if (size1 === size2) {
    if (proof.length > 0) throw fail('a proof between equal tree sizes must be empty')
    if (!constantTimeEqual(root1, root2)) throw fail('equal tree sizes with different roots')
    return
  }
  if (size1 === 0) {
    if (proof.length > 0) throw fail('a proof from the empty tree must be empty')
    if (!constantTimeEqual(root1, hasher.emptyRoot())) throw fail('the empty tree has another root')
    return
  }
  // 1. If consistency_path is an empty array, fail.
  if (proof.length === 0) throw fail('consistency proof is empty')
  // 2. If first is an exact power of 2, prepend first_hash to the consistency_path.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof]
  // 3. fn = first - 1, sn = second - 1.
  let fn = size1 - 1
  let sn = size2 - 1
  // 4. If LSB(fn) is set, right-shift fn and sn equally until LSB(fn) is not set.
  while (isOdd(fn)) {
    fn = Math.floor(fn / 2)
    sn = Math.floor(sn / 2)
  }
  // 5. fr = sr = the first value of the path.
  let fr = path[0] as Uint8Array
  let sr = fr
  // 6. For each subsequent value c in the path:
  for (const c of path.slice(1)) {
    if (sn === 0) throw fail('consistency proof is too long')
    if (isOdd(fn) || fn === sn) {
      fr = hasher.nodeHash(c, fr)
      sr = hasher.nodeHash(c, sr)
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = Math.floor(fn / 2)
          sn = Math.floor(sn / 2)
        }
      }
    } else {
      sr = hasher.nodeHash(sr, c)
    }
    fn = Math.floor(fn / 2)
    sn = Math.floor(sn / 2)
  }
  // 7. fr must equal first_hash, sr must equal second_hash, and sn must be 0.
  if (sn !== 0) throw fail('consistency proof is too short')
  if (!constantTimeEqual(fr, root1)) throw fail('consistency proof does not lead to the first root')
  if (!constantTimeEqual(sr, root2))
    throw fail('consistency proof does not lead to the second root')
}

function isPowerOfTwo(value: number): boolean {
  let v = value
  while (v > 1 && !isOdd(v)) v /= 2
  return v === 1
}
