// bench:core — leaf hashing and proof generation/verification, each next to raw SHA-256 of
// the same bytes measured in the same run. Ratios, not absolute times, are what to compare
// across machines. Sizes: 10^3 and 10^6 leaves held in memory, 10^9 synthesized (a tree of
// equal leaves, whose stored hashes are exact and computable; see uniform-tree.ts).
import { createHash } from 'node:crypto'
import {
  MemoryHashStore,
  canonicalBytes,
  createTreeHasher,
  inclusionProofFromStored,
  inclusionProofIndexes,
  consistencyProofFromStored,
  consistencyProofIndexes,
  nobleCrypto,
  storedHashIndex,
  treeHashFromStored,
  treeHashIndexes,
  utf8,
  uuidv7,
  verifyConsistency,
  verifyInclusion,
} from '@auditseal/core'
import type { AuditEvent } from '@auditseal/core'
import { UniformTree } from '../../packages/core/test/support/uniform-tree.js'
import { formatRate, opsPerSecond } from './measure.js'

const nodeSha256 = (data: Uint8Array): Uint8Array =>
  new Uint8Array(createHash('sha256').update(data).digest())
const hasher = createTreeHasher({ sha256: nodeSha256 })

const event: AuditEvent = {
  v: 1,
  id: uuidv7(),
  tenant_id: '0190d0a8-7f3c-7b6e-9a2d-3c4b5a697887',
  type: 'device.updated',
  outcome: 'success',
  occurred_at: '2026-11-30T12:00:00.000Z',
  recorded_at: '2026-11-30T12:00:00.012Z',
  actor: { type: 'user', id: 'user-42', name: 'Ada Lovelace' },
  target: { type: 'device', id: 'dev-7f3c', name: 'Boiler room sensor' },
  source: { ip: '203.0.113.9', user_agent: 'curl/8.5.0' },
  request_id: 'req-8c1d2e',
  data: { changes: { name: { from: 'Sensor 7', to: 'Boiler room sensor' } } },
}
const leafInput = canonicalBytes(event)
const nodeInput = new Uint8Array(65)

const rawLeaf = opsPerSecond(() => nodeSha256(leafInput), 1)
const leafRate = opsPerSecond(() => hasher.leafHash(leafInput), 1)
const canonicalLeafRate = opsPerSecond(() => hasher.leafHash(canonicalBytes(event)), 1)
const nobleLeafRate = opsPerSecond(() => createTreeHasher(nobleCrypto).leafHash(leafInput), 1)
const rawNode = opsPerSecond(() => nodeSha256(nodeInput), 1)

console.log(
  `bench:core — ${leafInput.length}-byte canonical event; rates in operations per second\n`,
)
console.log(`raw SHA-256 of the event bytes         ${formatRate(rawLeaf)}`)
console.log(
  `leaf hash (node crypto)                ${formatRate(leafRate)}   ratio ${(leafRate / rawLeaf).toFixed(2)}`,
)
console.log(
  `canonicalJson + leaf hash             ${formatRate(canonicalLeafRate)}   ratio ${(canonicalLeafRate / rawLeaf).toFixed(2)}`,
)
console.log(
  `leaf hash (noble, browser build)       ${formatRate(nobleLeafRate)}   ratio ${(nobleLeafRate / rawLeaf).toFixed(2)}`,
)
console.log(`raw SHA-256 of a 65-byte node input    ${formatRate(rawNode)}\n`)

interface Reader {
  readHashes(indexes: readonly number[]): Uint8Array[]
}

function benchSize(label: string, size: number, reader: Reader, leafAt: (i: number) => Uint8Array) {
  const root = treeHashFromStored(hasher, size, reader.readHashes(treeHashIndexes(size)))
  let i = 0
  const indexAt = () => Math.floor((((i++ * 2654435761) % 1_000_003) / 1_000_003) * size)
  const prove = (index: number) =>
    inclusionProofFromStored(
      hasher,
      size,
      index,
      reader.readHashes(inclusionProofIndexes(size, index)),
    )
  const sample = prove(0) // a full-depth path: ceil(log2(size)) hashes
  // A proof of ~log2(n) hashes costs that many 65-byte SHA-256s to verify: the raw baseline.
  const rawPerProof = rawNode / sample.length
  const generated = opsPerSecond(() => prove(indexAt()))
  const proofs = Array.from({ length: 256 }, () => {
    const index = indexAt()
    return { index, proof: prove(index) }
  })
  let j = 0
  const verified = opsPerSecond(() => {
    const { index, proof } = proofs[j++ % proofs.length] as { index: number; proof: Uint8Array[] }
    verifyInclusion(hasher, index, size, leafAt(index), proof, root)
  })
  const from = Math.max(1, Math.floor(size / 3))
  const fromRoot = treeHashFromStored(hasher, from, reader.readHashes(treeHashIndexes(from)))
  const consistency = consistencyProofFromStored(
    hasher,
    from,
    size,
    reader.readHashes(consistencyProofIndexes(from, size)),
  )
  const consistencyVerified = opsPerSecond(() =>
    verifyConsistency(hasher, from, size, consistency, fromRoot, root),
  )
  console.log(`${label}: inclusion proofs of ${sample.length} hashes`)
  console.log(
    `  generated                            ${formatRate(generated)}   ratio ${(generated / rawPerProof).toFixed(2)} (vs raw SHA-256 of ${sample.length} node inputs)`,
  )
  console.log(
    `  verified                             ${formatRate(verified)}   ratio ${(verified / rawPerProof).toFixed(2)}`,
  )
  console.log(
    `  consistency proofs verified          ${formatRate(consistencyVerified)}   (${consistency.length} hashes)`,
  )
}

function memoryTree(size: number) {
  const store = new MemoryHashStore(hasher)
  const leaves: Uint8Array[] = []
  const bytes = new Uint8Array(8)
  for (let i = 0; i < size; i++) {
    new DataView(bytes.buffer).setFloat64(0, i)
    leaves.push(hasher.leafHash(bytes))
    if (leaves.length === 65_536) store.append(leaves.splice(0))
  }
  store.append(leaves)
  return store
}

const thousand = memoryTree(1_000)
benchSize('size 10^3 (in memory)', 1_000, thousand, (i) => leafOf(thousand, i))
const million = memoryTree(1_000_000)
benchSize('size 10^6 (in memory)', 1_000_000, million, (i) => leafOf(million, i))
const uniform = new UniformTree(hasher, hasher.leafHash(utf8('uniform')))
benchSize('size 10^9 (synthesized)', 1_000_000_000, uniform, () => uniform.leafHash)

function leafOf(store: MemoryHashStore, index: number): Uint8Array {
  return (store.readHashes([storedHashIndex(0, index)]) as [Uint8Array])[0]
}
