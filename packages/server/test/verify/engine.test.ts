// The verifier engine on logs built in memory: how it names what an attacker who recomputes
// every leaf hash did, from the signed roots and the leaves the log stored when it sealed.

import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { AuditEvent } from '@auditseal/core'
import {
  MemoryHashStore,
  canonicalJson,
  createTreeHasher,
  deriveSigner,
  signCheckpoint,
  utf8,
} from '@auditseal/core'
import { nodeCrypto } from '../../src/crypto/node-crypto.js'
import { CheckpointBook } from '../../src/verify/checkpoints.js'
import { LogVerifier } from '../../src/verify/engine.js'
import { FindingLog } from '../../src/verify/findings.js'
import type { EventRecord } from '../../src/verify/sources/types.js'
import { makeEvents, newTenantId } from '../support/events.js'

const hasher = createTreeHasher(nodeCrypto)
const tenant = newTenantId()
const signer = deriveSigner(nodeCrypto, randomBytes(32), `mem.auditseal.local/${tenant}`)
const SIZE = 300

/** The sealed log: 300 events in three batches (distinct recorded_at), a checkpoint after each. */
const texts = makeEvents(tenant, SIZE).map((event, i) =>
  canonicalJson({
    ...event,
    recorded_at: new Date(Date.UTC(2026, 10, 30, 12) + Math.floor(i / 100) * 1000).toISOString(),
  } as AuditEvent),
)
const leaves = texts.map((text) => hasher.leafHash(utf8(text)))
const tree = new MemoryHashStore(hasher)
tree.append(leaves)
const notes = [100, 200, 300].map((size) =>
  signCheckpoint(signer, { origin: signer.name, size, rootHash: tree.root(size) }),
)

/** Verifies `texts` (each with a recomputed leaf hash) as stored at seqs `seqs`. */
function verify(stored: { seq: number; text: string }[], options: { hints?: boolean } = {}) {
  const findings = new FindingLog()
  const book = CheckpointBook.open(
    notes.map((note) => ({ source: 'log' as const, label: 'memory', note })),
    { crypto: nodeCrypto, verifierKey: signer, tenant, findings, logListIsComplete: true },
  )
  const verifier = new LogVerifier({ tenant, hasher, book, findings })
  for (const { seq, text } of stored) {
    const record: EventRecord = {
      seq,
      canonical: text,
      leafHash: hasher.leafHash(utf8(text)),
      ...(options.hints === false ? {} : { storedLeaf: (s: number) => leaves[s] }),
    }
    verifier.add(record)
  }
  const result = verifier.finish()
  return { result, findings: findings.findings.map((f) => [f.kind, f.seq, f.endSeq]) }
}

const intact = () => texts.map((text, seq) => ({ seq, text }))

describe('LogVerifier', () => {
  it('finds nothing in an intact log, and every checkpoint matches', () => {
    const { result, findings } = verify(intact())
    expect(findings).toEqual([])
    expect(result.matched).toBe(3)
    expect(result.newestMatched?.size).toBe(SIZE)
  })

  it('names two adjacent events that swapped places', () => {
    const log = intact()
    ;[log[150]!.text, log[151]!.text] = [log[151]!.text, log[150]!.text]
    expect(verify(log).findings).toEqual([
      ['reordered', 150, undefined],
      ['reordered', 151, undefined],
    ])
  })

  it('names an event deleted with the later ones renumbered as missing', () => {
    const log = texts.filter((_, i) => i !== 120).map((text, seq) => ({ seq, text }))
    expect(verify(log).findings).toEqual([
      ['missing', 120, undefined], // located: seq 121 on were each sealed one seq later
      ['missing', 299, undefined], // and the log is one event short of the checkpoint of 300
    ])
  })

  it('names an event inserted with the later ones renumbered', () => {
    const forged = texts[250]!.replace('"note":"event number 250"', '"note":"forged"')
    const log = [...texts.slice(0, 50), forged, ...texts.slice(50)].map((text, seq) => ({
      seq,
      text,
    }))
    expect(verify(log).findings).toEqual([
      ['inserted', 50, undefined],
      ['unsigned_tail', SIZE, SIZE + 1],
    ])
  })

  it('without stored leaves, narrows an edit to the checkpoint interval', () => {
    const log = intact()
    log[170]!.text = log[170]!.text.replace('"note":"event number 170"', '"note":"edited"')
    expect(verify(log, { hints: false }).findings).toEqual([['inconsistent_checkpoints', 100, 200]])
    expect(verify(log).findings).toEqual([['modified', 170, undefined]])
  })

  it('ignores a stored leaf that disagrees where every signed root matches (an edited node)', () => {
    const saved = leaves[42]!
    leaves[42] = hasher.leafHash(utf8('not this'))
    try {
      expect(verify(intact()).findings).toEqual([])
    } finally {
      leaves[42] = saved
    }
  })

  it('reports a seq the log never assigns, and a gap closed late', () => {
    const log = intact()
    log.splice(10, 1, { seq: -3, text: texts[10]! })
    expect(verify(log).findings).toEqual([
      ['missing', 10, undefined],
      ['inserted', 10, undefined],
    ])
  })
})
