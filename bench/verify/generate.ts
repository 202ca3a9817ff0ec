// A synthetic NDJSON export of `count` events, built straight from the core functions (no
// database): each line is eventJson of a sealed event, exactly what `auditseal export` writes,
// plus a signed checkpoint at each requested size. Events are realistic (~530 bytes
// canonical); their canonical text is built with members in sorted order, checked against
// canonicalJson for the first thousand.

import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { once } from 'node:events'
import type { Signer } from '@auditseal/core'
import {
  EMPTY_FRONTIER,
  appendLeaves,
  canonicalJson,
  createTreeHasher,
  frontierRoot,
  signCheckpoint,
  uuidv7,
} from '@auditseal/core'
import type { AuditEvent, Frontier } from '@auditseal/core'
import { nodeCrypto } from '../../packages/server/src/crypto/node-crypto.js'
import { eventJson } from '../../packages/server/src/store/event-rows.js'

export interface GeneratedExport {
  /** Signed checkpoint notes by size. */
  checkpoints: Map<number, string>
  /** UTF-8 of the first events' canonical text, for the SHA-256 baseline. */
  sample: Buffer[]
}

const hasher = createTreeHasher(nodeCrypto)
const LEAF_PREFIX = Buffer.from([0])
const SAMPLE = 100_000

/** The event of seq i, members in RFC 8785 order so JSON.stringify gives its canonical text. */
function event(tenantId: string, i: number, recordedAt: string): AuditEvent {
  return {
    actor: { id: `user-${i % 97}`, name: 'Bench User', type: 'user' },
    data: { changes: { name: { from: `Sensor ${i}`, to: `Sensor ${i + 1}` } }, firmware: '2.4.1' },
    id: uuidv7(),
    occurred_at: recordedAt,
    outcome: 'success',
    recorded_at: recordedAt,
    request_id: `req-${i.toString(36)}`,
    source: { ip: '198.51.100.23', user_agent: 'bench/1.0' },
    target: { id: `dev-${i % 1013}`, name: `Sensor ${i % 1013}`, type: 'device' },
    tenant_id: tenantId,
    type: i % 3 === 0 ? 'device.created' : 'device.updated',
    v: 1,
  } as AuditEvent
}

/**
 * Writes the first `size` lines of the export to each file in `files` (size → path); the
 * largest size is the whole export. Signs a checkpoint at every size in `files`.
 */
export async function generateExport(
  tenantId: string,
  signer: Signer,
  files: Map<number, string>,
): Promise<GeneratedExport> {
  const sizes = [...files.keys()].sort((a, b) => a - b)
  const count = sizes.at(-1) ?? 0
  const outs = sizes.map((size) => ({ size, stream: createWriteStream(files.get(size) as string) }))
  const checkpoints = new Map<number, string>()
  const sample: Buffer[] = []
  let frontier: Frontier = EMPTY_FRONTIER
  let leaves: Uint8Array[] = []
  let chunk = ''
  const start = Date.UTC(2026, 10, 1)
  // Chunks end at every size in `files`, so a chunk belongs wholly to each file it reaches.
  let chunkLines = 0
  const flush = async (upTo: number) => {
    frontier = appendLeaves(hasher, frontier, leaves).frontier
    leaves = []
    for (const out of outs) {
      if (upTo <= out.size && !out.stream.write(chunk)) await once(out.stream, 'drain')
    }
    chunk = ''
    chunkLines = 0
  }
  for (let seq = 0; seq < count; seq++) {
    const recordedAt = new Date(start + Math.floor(seq / 100)).toISOString()
    const e = event(tenantId, seq, recordedAt)
    const canonical = JSON.stringify(e)
    if (seq < 1000 && canonical !== canonicalJson(e)) throw new Error('generator is not canonical')
    const bytes = Buffer.from(canonical, 'utf8')
    if (sample.length < SAMPLE) sample.push(bytes)
    const leafHash = new Uint8Array(createHash('sha256').update(LEAF_PREFIX).update(bytes).digest())
    leaves.push(leafHash)
    chunk += `${eventJson({ seq, canonical, leafHash })}\n`
    chunkLines++
    if (files.has(seq + 1)) {
      await flush(seq + 1)
      const rootHash = frontierRoot(hasher, frontier)
      checkpoints.set(
        seq + 1,
        signCheckpoint(signer, { origin: signer.name, size: seq + 1, rootHash }),
      )
    } else if (chunkLines >= 2000) {
      await flush(seq + 1)
    }
  }
  await Promise.all(
    outs.map(async ({ stream }) => {
      stream.end()
      await once(stream, 'finish')
    }),
  )
  return { checkpoints, sample }
}
