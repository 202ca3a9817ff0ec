// A literal transcription of RFC 6962 §2.1's recursive definitions (MTH, PATH, PROOF),
// independent of the stored-hash implementation it checks. Slow on purpose: no cleverness.

import type { TreeHasher } from '@auditseal/core'

/** k: the largest power of two smaller than n (n > 1). */
function split(n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}

export function referenceRoot(h: TreeHasher, leaves: Uint8Array[]): Uint8Array {
  const n = leaves.length
  if (n === 0) return h.emptyRoot()
  if (n === 1) return leaves[0] as Uint8Array
  const k = split(n)
  return h.nodeHash(referenceRoot(h, leaves.slice(0, k)), referenceRoot(h, leaves.slice(k)))
}

/** PATH(m, D[n]) of RFC 6962 §2.1.1, on leaf hashes. */
export function referencePath(h: TreeHasher, m: number, leaves: Uint8Array[]): Uint8Array[] {
  const n = leaves.length
  if (n === 1) return []
  const k = split(n)
  if (m < k) {
    return [...referencePath(h, m, leaves.slice(0, k)), referenceRoot(h, leaves.slice(k))]
  }
  return [...referencePath(h, m - k, leaves.slice(k)), referenceRoot(h, leaves.slice(0, k))]
}

/** PROOF(m, D[n]) of RFC 6962 §2.1.2, on leaf hashes (0 < m < n). */
export function referenceProof(h: TreeHasher, m: number, leaves: Uint8Array[]): Uint8Array[] {
  return subproof(h, m, leaves, true)
}

function subproof(h: TreeHasher, m: number, leaves: Uint8Array[], b: boolean): Uint8Array[] {
  const n = leaves.length
  if (m === n) return b ? [] : [referenceRoot(h, leaves)]
  const k = split(n)
  if (m <= k) {
    return [...subproof(h, m, leaves.slice(0, k), b), referenceRoot(h, leaves.slice(k))]
  }
  return [...subproof(h, m - k, leaves.slice(k), false), referenceRoot(h, leaves.slice(0, k))]
}
