// A worker thread of the export verifier: checks batches of whole lines (export-batch.ts) and
// posts each result back with its id. Loaded from the compiled dist (see sources/parallel.ts).

import { parentPort, workerData } from 'node:worker_threads'
import { createTreeHasher } from '@auditseal/core'
import { nodeCrypto } from '../crypto/node-crypto.js'
import { checkLines } from './sources/export-batch.js'

const { tenant } = workerData as { tenant: string }
const hasher = createTreeHasher(nodeCrypto)

parentPort?.on('message', ({ id, bytes }: { id: number; bytes: ArrayBuffer }) => {
  const batch = checkLines(Buffer.from(bytes), tenant, hasher)
  parentPort?.postMessage({ id, batch }, [
    batch.leaves.buffer as ArrayBuffer,
    batch.seqs.buffer as ArrayBuffer,
  ])
})
