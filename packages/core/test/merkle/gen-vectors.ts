// Writes testdata/merkle.json from the RFC 6962 reference transcription. Run with
// `npx tsx packages/core/test/merkle/gen-vectors.ts`; the tests check the committed file
// against the published Certificate Transparency values and against the implementation.

import { writeFileSync } from 'node:fs'
import { createTreeHasher, fromHex, nobleCrypto, toHex } from '@auditseal/core'
import { referencePath, referenceProof, referenceRoot } from './reference.js'

const h = createTreeHasher(nobleCrypto)
const inputs = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
]
const leaves = inputs.map((hex) => h.leafHash(fromHex(hex)))

const roots = Array.from({ length: 9 }, (_, size) => toHex(referenceRoot(h, leaves.slice(0, size))))
const inclusion = []
for (let size = 1; size <= 8; size++) {
  for (let index = 0; index < size; index++) {
    const path = referencePath(h, index, leaves.slice(0, size)).map(toHex)
    inclusion.push({ index, size, leaf_hash: toHex(leaves[index] as Uint8Array), path })
  }
}
const consistency = []
for (let size2 = 1; size2 <= 8; size2++) {
  for (let size1 = 1; size1 <= size2; size1++) {
    const proof = size1 === size2 ? [] : referenceProof(h, size1, leaves.slice(0, size2)).map(toHex)
    consistency.push({ size1, size2, proof })
  }
}

const out = {
  description:
    'RFC 6962 reference tree of 8 leaves (inputs as hex). Hashes are lowercase hex. ' +
    'roots[n] is the root of the first n leaves; inclusion paths are leaf to root (RFC 9162 §2.1.3); ' +
    'consistency proofs are RFC 9162 §2.1.4.',
  inputs,
  leaf_hashes: leaves.map(toHex),
  roots,
  inclusion,
  consistency,
}
const target = new URL('../../../../testdata/merkle.json', import.meta.url)
writeFileSync(target, JSON.stringify(out, null, 2) + '\n')
console.log(`wrote ${target.pathname}: ${inclusion.length} paths, ${consistency.length} proofs`)
