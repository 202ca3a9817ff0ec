// The ledger of (id, seq) that finds ids sealed more than once without holding every id in
// memory, checked against a plain Map over the same entries — in memory, across many sorted
// runs on disk, and through the merges that keep the runs few — and the reading of an event's
// own id from its canonical bytes that feeds it from an export.

import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuditEvent } from '@auditseal/core'
import { canonicalJson, uuidv7 } from '@auditseal/core'
import { IdLedger } from '../../src/verify/id-ledger.js'
import type { RepeatedId } from '../../src/verify/id-ledger.js'
import { idsWorker, repeatedExportIds } from '../../src/verify/sources/export-ids.js'
import { readEventId } from '../../src/verify/sources/sealed-line.js'
import type { RecordCheck } from '../../src/verify/event-check.js'
import { checkRepeatedIds, reportNotCanonical } from '../../src/verify/repeated-ids.js'
import { FindingLog } from '../../src/verify/findings.js'
import type { EventRecord, LogSource } from '../../src/verify/sources/types.js'
import { eventJson } from '../../src/store/event-rows.js'
import { makeEvents, newTenantId } from '../support/events.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'auditseal-ledger-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** What the ledger must find, from a Map of every id. */
function expected(entries: readonly [number, string][], limit: number) {
  const seqs = new Map<string, Set<number>>()
  for (const [seq, id] of entries) seqs.set(id, (seqs.get(id) ?? new Set()).add(seq))
  const repeated: RepeatedId[] = [...seqs]
    .filter(([, s]) => s.size > 1)
    .map(([id, s]) => ({ id, seqs: [...s].sort((a, b) => a - b) }))
    .sort((a, b) => (a.seqs[0] as number) - (b.seqs[0] as number))
  return { repeated: repeated.slice(0, limit), more: repeated.length > limit }
}

function ledgerOf(entries: readonly [number, string][], runRecords?: number): IdLedger {
  const ledger = new IdLedger({ tmpDir: dir, ...(runRecords ? { runRecords } : {}) })
  for (const [seq, id] of entries) ledger.add(seq, id)
  return ledger
}

/** n events' ids, with `copies` of earlier ones put in at random places (new seqs). */
function withCopies(n: number, copies: number, ids: () => string): [number, string][] {
  const list = Array.from({ length: n }, ids)
  for (let c = 0; c < copies; c++) {
    const at = 1 + Math.floor(Math.random() * (list.length - 1))
    list.splice(at, 0, list[Math.floor(Math.random() * at)] as string)
  }
  return list.map((id, seq) => [seq, id])
}

describe('IdLedger', () => {
  it('finds nothing for ids that only increase, in memory or across runs', async () => {
    const ids = Array.from({ length: 5000 }, () => randomUUID()).sort()
    const entries = ids.map((id, seq) => [seq, id] as [number, string])
    for (const runRecords of [undefined, 100]) {
      const ledger = ledgerOf(entries, runRecords)
      expect(ledger.finish(10)).toEqual({ repeated: [], more: false })
      ledger.close()
    }
    expect(await readdir(dir)).toEqual([])
  })

  it('finds every id at two or more seqs, in memory and across many runs merged in stages', () => {
    for (const [runRecords, ids] of [
      [undefined, uuidv7],
      [16, uuidv7],
      [16, randomUUID],
      [7, randomUUID],
    ] as const) {
      // 3,000 entries in runs of 7 or 16 are 188–429 runs: merged 32 at a time, twice over.
      const entries = withCopies(3000, 40, ids)
      const ledger = ledgerOf(entries, runRecords)
      expect(ledger.finish(1000)).toEqual(expected(entries, 1000))
      ledger.close()
    }
  })

  it('finds a copy right after its original, in a log whose ids otherwise only increase', () => {
    const ids = Array.from({ length: 300 }, () => randomUUID()).sort()
    for (const runRecords of [undefined, 16]) {
      const entries = [...ids, ids.at(-1) as string].map((id, seq) => [seq, id] as [number, string])
      const ledger = ledgerOf(entries, runRecords)
      expect(ledger.finish(10)).toEqual({
        repeated: [{ id: ids.at(-1), seqs: [299, 300] }],
        more: false,
      })
      ledger.close()
    }
  })

  it('keeps at most limit + 1 seqs of one id, and says there were more', () => {
    const id = randomUUID()
    const entries = Array.from({ length: 50 }, (_, seq) => [seq, id] as [number, string])
    const ledger = ledgerOf(entries, 8)
    expect(ledger.finish(10)).toEqual({
      repeated: [{ id, seqs: Array.from({ length: 11 }, (_, seq) => seq) }],
      more: true,
    })
    ledger.close()
  })

  it('an event read twice (the same id at the same seq) is not an id sealed twice', () => {
    const a = randomUUID()
    const b = randomUUID()
    const ledger = ledgerOf([
      [0, a],
      [1, b],
      [1, b],
      [0, a],
      [2, a],
    ])
    expect(ledger.finish(10)).toEqual({ repeated: [{ id: a, seqs: [0, 2] }], more: false })
    ledger.close()
  })

  it('keeps the ids sealed first when there are more than the limit, and says so', () => {
    const entries = withCopies(2000, 60, randomUUID)
    const ledger = ledgerOf(entries, 32)
    const found = ledger.finish(5)
    expect(found).toEqual(expected(entries, 5))
    expect(found.more).toBe(true)
    ledger.close()
  })

  it('removes its temporary files on close', async () => {
    const ledger = ledgerOf(withCopies(200, 5, randomUUID), 10)
    expect((await readdir(dir)).length).toBe(1)
    ledger.finish(10)
    ledger.close()
    expect(await readdir(dir)).toEqual([])
    expect(() => ledger.add(0, randomUUID())).toThrow(/after close/)
  })
})

describe('readEventId', () => {
  const tenant = newTenantId()
  const idOf = (text: string) => {
    const bytes = Buffer.from(`xx${text}`) // not at the start of the buffer
    return readEventId(bytes, 2, bytes.length - 1) // E's text without its closing brace
  }

  it("reads the event's own id, whatever its data, actor, error or target hold", () => {
    const decoy = randomUUID()
    const events: AuditEvent[] = [
      ...makeEvents(tenant, 20),
      ...makeEvents(tenant, 5).map((event) => ({
        ...event,
        // An object in data shaped like the envelope's id and occurred_at, ahead of them.
        data: { copy: { id: decoy, occurred_at: event.occurred_at }, id: decoy },
        actor: { type: 'user' as const, id: decoy },
        target: { type: 'device' as const, id: decoy },
        error: { code: 'E', message: `"id":"${decoy}","occurred_at":"` },
        recorded_at: event.occurred_at,
      })),
    ]
    for (const event of events) {
      const text = canonicalJson(event)
      expect(idOf(text)).toBe(event.id)
    }
  })

  it('reads nothing where the top level is not plainly canonical: the caller parses those', () => {
    const [event] = makeEvents(tenant, 1) as [AuditEvent]
    const text = canonicalJson(event)
    const own = `"id":"${event.id}"`
    for (const other of [
      text.replace(event.id, event.id.toUpperCase()),
      text.replace(event.id, `${event.id.slice(0, 35)}g`),
      text.replace(own, `"id":"\\u0030${event.id.slice(1)}"`), // an escape JSON.parse reads
      text.replace(own, `"id": "${event.id}"`), // white space
      text.replace(own, `${own},"id":"${randomUUID()}"`), // JSON.parse keeps the last
      text.replace(own, `"ic":"x",${own}`.replace('"ic"', '"zz"')), // names out of order
      text.replace('{"actor"', '{ "actor"'),
      randomBytes(400).toString('latin1'),
    ]) {
      expect(other).not.toBe(text)
      expect(idOf(other)).toBeUndefined()
    }
  })

  it('never reads an id other than the one JSON.parse reads, however the text is changed', () => {
    const texts = makeEvents(tenant, 50).map((event) =>
      canonicalJson({ ...event, data: { nested: { id: randomUUID(), list: [1, 'a\\"}'] } } }),
    )
    const bytes = [...'{}[]",:\\ ai0'].map((c) => c.charCodeAt(0))
    let read = 0
    for (let round = 0; round < 20_000; round++) {
      const text = Buffer.from(texts[round % texts.length] as string)
      // One to three bytes changed, inserted or removed at random places.
      let changed = text
      for (let k = 0; k <= round % 3; k++) {
        const at = Math.floor(Math.random() * changed.length)
        const byte = bytes[Math.floor(Math.random() * bytes.length)] as number
        const op = Math.floor(Math.random() * 3)
        changed = Buffer.concat([
          changed.subarray(0, at),
          op === 2 ? Buffer.alloc(0) : Buffer.from([byte]),
          changed.subarray(op === 1 ? at : at + 1),
        ])
      }
      const id = idOf(changed.toString('latin1'))
      if (id === undefined) continue
      read++
      let parsed: unknown
      try {
        parsed = JSON.parse(changed.toString('utf8'))
      } catch {
        continue // not JSON: no event for the verifier, no id for JSON.parse to disagree with
      }
      expect(id).toBe((parsed as { id?: unknown }).id)
    }
    expect(read).toBeGreaterThan(1000)
  })
})

describe('repeatedExportIds', () => {
  const tenant = newTenantId()

  it('has a compiled worker to run (npm test builds dist first)', () => {
    expect(idsWorker()).toBeDefined()
  })

  it('finds the same ids on its worker and on this thread, and leaves no file behind', async () => {
    const events = makeEvents(tenant, 3000).map((event) => ({
      ...event,
      recorded_at: event.occurred_at,
    }))
    // Copies of events 10 and 2,000 later in the file, under new seqs.
    const all = [...events.slice(0, 2500), events[10]!, ...events.slice(2500), events[2000]!]
    const file = join(dir, 'export.ndjson')
    const hash = new Uint8Array(32)
    await writeFile(
      file,
      all.map((e, seq) => `${eventJson({ seq, canonical: canonicalJson(e), leafHash: hash })}\n`),
    )
    const expected = {
      repeated: [
        { id: events[10]!.id, seqs: [10, 2500] },
        { id: events[2000]!.id, seqs: [2000, 3001] },
      ],
      more: false,
      notCanonical: [],
      moreNotCanonical: false,
    }
    expect(await repeatedExportIds(file, 10, { tmpDir: dir })).toEqual(expected)
    expect(await repeatedExportIds(file, 10, { tmpDir: dir, inThread: true })).toEqual(expected)
    expect(await readdir(dir)).toEqual(['export.ndjson'])
    await rm(file)
  })

  it('stopped, removes its files and answers nothing', async () => {
    const file = join(dir, 'stopped.ndjson')
    const events = makeEvents(tenant, 20_000).map((e) => ({ ...e, recorded_at: e.occurred_at }))
    const hash = new Uint8Array(32)
    await writeFile(
      file,
      [...events, events[0]!].map(
        (e, seq) => `${eventJson({ seq, canonical: canonicalJson(e), leafHash: hash })}\n`,
      ),
    )
    for (const inThread of [false, true]) {
      const stop = new AbortController()
      const running = repeatedExportIds(file, 10, { tmpDir: dir, inThread, signal: stop.signal })
      stop.abort()
      await expect(running).rejects.toThrow()
      expect(await readdir(dir)).toEqual(['stopped.ndjson'])
    }
    await rm(file)
  })
})

describe('checkRepeatedIds, for the events the API gives', () => {
  it('finds a copy of the newest event appended after it', async () => {
    const api = { kind: 'api' } as unknown as LogSource // neither a database nor an export
    const check = checkRepeatedIds(api, undefined, dir)
    const ids = Array.from({ length: 5 }, () => uuidv7())
    for (const [seq, id] of [...ids, ids[4] as string].entries()) {
      check.add({ seq } as EventRecord, { id } as RecordCheck)
    }
    expect(await check.result()).toEqual({
      repeated: [{ id: ids[4], seqs: [4, 5] }],
      more: false,
    })
    await check.close()
  })
})

describe('reportNotCanonical', () => {
  it('names the lines the fast path vouched for, and says when more were left out', () => {
    const findings = new FindingLog()
    const warnings: string[] = []
    const found = { repeated: [], more: false, notCanonical: [5, 700, 1], moreNotCanonical: true }
    reportNotCanonical(found, 600, newTenantId(), findings, warnings)
    // 700 is past what the fast path vouched for: the full checks judged it.
    expect(findings.findings.map((f) => [f.kind, f.seq])).toEqual([
      ['modified', 1],
      ['modified', 5],
    ])
    expect(warnings).toEqual([
      'more than 1000 lines are not in canonical form at their top level: only the first 1000 are reported',
    ])
  })
})
