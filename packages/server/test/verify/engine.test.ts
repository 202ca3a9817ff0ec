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
import type { StoredColumns } from '../../src/verify/columns.js'
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

  describe('when nothing signed vouches for the events', () => {
    function verifyWith(
      copies: { source: 'log' | 'trusted'; note: string }[],
      options: { keyPinned?: boolean; count?: number } = {},
    ) {
      const findings = new FindingLog()
      const book = CheckpointBook.open(
        copies.map((c) => ({ ...c, label: 'memory' })),
        { crypto: nodeCrypto, verifierKey: signer, tenant, findings, logListIsComplete: true },
      )
      const verifier = new LogVerifier({ tenant, hasher, book, findings, ...options })
      texts.slice(0, options.count ?? SIZE).forEach((text, seq) => {
        verifier.add({ seq, canonical: text, leafHash: hasher.leafHash(utf8(text)) })
      })
      verifier.finish()
      return findings.findings.map((f) => [f.kind, f.severity, f.seq, f.endSeq])
    }
    const log = (note: string) => ({ source: 'log' as const, note })

    it('no checkpoint at all is an error, not a warning, from seq 0', () => {
      expect(verifyWith([])).toEqual([['nothing_signed', 'error', 0, SIZE]])
      expect(verifyWith([], { count: 1 })).toEqual([['nothing_signed', 'error', 0, undefined]])
    })

    it('only a checkpoint of the empty tree vouches for no event', () => {
      const empty = signCheckpoint(signer, {
        origin: signer.name,
        size: 0,
        rootHash: new MemoryHashStore(hasher).root(0),
      })
      expect(verifyWith([log(empty)])).toEqual([['nothing_signed', 'error', 0, SIZE]])
    })

    it('an empty log with no checkpoint is an empty log (intact)', () => {
      expect(verifyWith([], { count: 0 })).toEqual([])
    })

    it("with the log's own key (not pinned), the log's own checkpoints vouch for nothing", () => {
      const [n100, , n300] = notes
      expect(verifyWith([log(n100!), log(n300!)], { keyPinned: false })).toEqual([
        ['nothing_signed', 'error', 0, SIZE],
      ])
      // The partial tail after the newest one is still reported as it is with a pinned key.
      expect(verifyWith([log(n100!)], { keyPinned: false })).toEqual([
        ['nothing_signed', 'error', 0, SIZE],
        ['unsigned_tail', 'warning', 100, SIZE],
      ])
      // A copy from outside the log that verifies with that key shows it is the right one.
      const outside = [log(n100!), log(n300!), { source: 'trusted' as const, note: n100! }]
      expect(verifyWith(outside, { keyPinned: false })).toEqual([])
      expect(verifyWith([log(n300!)])).toEqual([])
    })
  })

  it('reports a record whose checks throw as modified, and goes on (no crash)', () => {
    // Stands in for hostile input that makes a check throw (a stack overflow, say): here the
    // database columns the check compares with the canonical text cannot be read.
    const unreadable = new Proxy({} as StoredColumns, {
      get() {
        throw new RangeError('Maximum call stack size exceeded')
      },
    })
    const findings = new FindingLog()
    const book = CheckpointBook.open(
      notes.map((note) => ({ source: 'log' as const, label: 'memory', note })),
      { crypto: nodeCrypto, verifierKey: signer, tenant, findings, logListIsComplete: true },
    )
    const verifier = new LogVerifier({ tenant, hasher, book, findings })
    texts.forEach((text, seq) => {
      const leafHash = hasher.leafHash(utf8(text))
      verifier.add({
        seq,
        canonical: text,
        leafHash,
        ...(seq === 7 ? { columns: unreadable } : {}),
      })
    })
    expect(verifier.finish().matched).toBe(3)
    expect(findings.findings.map((f) => [f.kind, f.seq, f.message])).toEqual([
      ['modified', 7, 'the stored event cannot be checked: Maximum call stack size exceeded'],
    ])
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
