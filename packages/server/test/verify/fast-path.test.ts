// The export verifier's fast path (hash the bytes, let the signed roots vouch for them) must
// say exactly what the full checks say, on every file: each case verifies one export both
// ways and compares the whole reports, messages included, and checks how far the fast path
// vouched before it handed over to the full checks. Built in memory: no database.

import { randomBytes, randomUUID } from 'node:crypto'
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuditEvent } from '@auditseal/core'
import {
  MemoryHashStore,
  canonicalJson,
  createTreeHasher,
  deriveSigner,
  signCheckpoint,
  toBase64,
  utf8,
  verifierKeyString,
} from '@auditseal/core'
import { nodeCrypto } from '../../src/crypto/node-crypto.js'
import { eventJson } from '../../src/store/event-rows.js'
import { CheckpointBook } from '../../src/verify/checkpoints.js'
import { LogVerifier } from '../../src/verify/engine.js'
import { FindingLog } from '../../src/verify/findings.js'
import { NO_PROGRESS } from '../../src/verify/progress.js'
import type { VerifyLogOptions, VerifyReport } from '../../src/verify/run.js'
import { verifyLog } from '../../src/verify/run.js'
import { speculateExport } from '../../src/verify/sources/export-fast.js'
import { MAX_LINE_BYTES } from '../../src/verify/sources/lines.js'
import { nodeDigests } from '../../src/verify/tree.js'
import { makeEvents, newTenantId } from '../support/events.js'

const hasher = createTreeHasher(nodeCrypto)
const tenant = newTenantId()
const signer = deriveSigner(nodeCrypto, randomBytes(32), `fast.auditseal.local/${tenant}`)
const vkey = verifierKeyString(signer.name, signer.keyId, signer.publicKey)
const SIZE = 600
/** Every event a second after the one before: any event out of place shows in recorded_at. */
const texts = makeEvents(tenant, SIZE).map((event, i) =>
  canonicalJson({
    ...event,
    recorded_at: new Date(Date.UTC(2026, 10, 30, 12) + i * 1000).toISOString(),
  } as AuditEvent),
)
const leaves = texts.map((text) => hasher.leafHash(utf8(text)))
const tree = new MemoryHashStore(hasher)
tree.append(leaves)
const lines = texts.map((canonical, seq) => eventJson({ seq, canonical, leafHash: leaves[seq]! }))
const note = (size: number, root = tree.root(size)) =>
  signCheckpoint(signer, { origin: signer.name, size, rootHash: root })

let dir: string
/** A checkpoint directory with a checkpoint every 100 events, 100 … 600. */
let everyHundred: string
let at300: string
let at600: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'auditseal-fast-'))
  everyHundred = join(dir, 'checkpoints')
  await mkdir(join(everyHundred, tenant), { recursive: true })
  for (let size = 100; size <= SIZE; size += 100) {
    await writeFile(join(everyHundred, tenant, String(size)), note(size))
  }
  at300 = join(dir, 'checkpoint-300')
  at600 = join(dir, 'checkpoint-600')
  await writeFile(at300, note(300))
  await writeFile(at600, note(600))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

type Checkpoints = Pick<VerifyLogOptions, 'checkpointDir' | 'checkpointFile' | 'trustedFile'>

async function writeExport(content: string): Promise<string> {
  const file = join(dir, `export-${randomBytes(4).toString('hex')}.ndjson`)
  await writeFile(file, content)
  return file
}

/** Everything a report says but how many events the fast path vouched for. */
function said(report: VerifyReport) {
  const { vouched: _, ...result } = report.result
  return { ...report, result }
}

/**
 * Verifies the export both ways; the reports must be the same. Returns the fast path's report
 * and how many events it vouched for.
 */
async function both(
  content: string,
  checkpoints?: Checkpoints,
): Promise<{ report: VerifyReport; vouched: number; kinds: unknown[] }> {
  const file = await writeExport(content)
  const options = checkpoints ?? { checkpointDir: everyHundred }
  const fast = await verifyLog({ source: { kind: 'export', file }, vkey, ...options })
  const full = await verifyLog({
    source: { kind: 'export', file },
    vkey,
    ...options,
    fastPath: false,
  })
  expect(full.result.vouched).toBe(0)
  expect(said(fast)).toEqual(said(full))
  return {
    report: fast,
    vouched: fast.result.vouched,
    kinds: fast.findings.map((f) => [f.kind, f.seq, f.endSeq]),
  }
}

const joined = (edited: readonly string[]) => edited.map((l) => `${l}\n`).join('')

/** A line whose event text is `text`, at `seq`, with the leaf hash of `text` (recomputed). */
const resealed = (seq: number, text: string) =>
  eventJson({ seq, canonical: text, leafHash: hasher.leafHash(utf8(text)) })

describe('verify --export: the fast path says what the full checks say', () => {
  it('vouches for every event of an intact export', async () => {
    const { report, vouched } = await both(joined(lines))
    expect(vouched).toBe(SIZE)
    expect(report.findings).toEqual([])
    expect(report.result.matched).toBe(6)
    expect(report.result.rootHash).toEqual(tree.root(SIZE))
  })

  it('reads empty lines and a last line without a newline as the full path does', async () => {
    const content = `\n${lines.slice(0, 300).join('\n')}\n\n\n${lines.slice(300).join('\n')}`
    const { report, vouched } = await both(content)
    expect(vouched).toBe(SIZE)
    expect(report.findings).toEqual([])
  })

  it('hands over at the last commit when an event was edited (leaf hash not recomputed)', async () => {
    const edited = [...lines]
    edited[450] = edited[450]!.replace('"note":"event number 450"', '"note":"event number 451"')
    const { vouched, kinds } = await both(joined(edited))
    expect(vouched).toBe(400)
    expect(kinds).toEqual([['modified', 450, undefined]])
  })

  it('counts each event once on the progress bar, though lines past the hand-over are read twice', async () => {
    const edited = [...lines]
    edited[450] = edited[450]!.replace('"note":"event number 450"', '"note":"event number 451"')
    const file = await writeExport(joined(edited))
    let value = 0
    let most = 0
    const progress = {
      start: () => {},
      tick: (count = 1) => {
        value += count
        most = Math.max(most, value)
      },
      set: (count: number) => {
        value = count
      },
      stop: () => {},
    }
    const report = await verifyLog({
      source: { kind: 'export', file },
      vkey,
      checkpointDir: everyHundred,
      progress,
    })
    expect(report.result.vouched).toBe(400)
    expect(value).toBe(SIZE)
    expect(most).toBe(SIZE)
  })

  it('an edit with its leaf hash recomputed is found by the signed root that differs', async () => {
    const edited = [...lines]
    edited[450] = resealed(450, texts[450]!.replace('"event number 450"', '"event number 999"'))
    const { vouched, kinds } = await both(joined(edited))
    expect(vouched).toBe(400)
    expect(kinds).toEqual([['inconsistent_checkpoints', 400, 500]])
  })

  it('an untouched event with a tampered leaf_hash is modified', async () => {
    const edited = [...lines]
    const other = toBase64(leaves[251]!)
    edited[250] = edited[250]!.replace(/"leaf_hash":"[^"]*"/, `"leaf_hash":"${other}"`)
    const { report, vouched, kinds } = await both(joined(edited))
    expect(vouched).toBe(200)
    expect(kinds).toEqual([['modified', 250, undefined]])
    expect(report.findings[0]?.message).toContain('stored leaf hash differs')
  })

  it('a valid but not canonical re-serialization of an untouched event is modified, hashed or not', async () => {
    const spaced = texts[130]!.replace('{"actor":', '{ "actor":')
    for (const line of [resealed(130, spaced), lines[130]!.replace('{"actor":', '{ "actor":')]) {
      const edited = [...lines]
      edited[130] = line
      const { report, vouched, kinds } = await both(joined(edited))
      expect(vouched).toBe(100)
      expect(kinds).toEqual([['modified', 130, undefined]])
      expect(report.findings[0]?.message).toContain('not in canonical form')
    }
  })

  it('a duplicate member, with the leaf hash recomputed, is modified', async () => {
    const edited = [...lines]
    const text = texts[320]!
    edited[320] = resealed(320, `${text.slice(0, -1)},"v":1}`)
    const { vouched, kinds } = await both(joined(edited))
    expect(vouched).toBe(300)
    expect(kinds).toEqual([['modified', 320, undefined]])
  })

  it('two events whose seqs were swapped, the first right after a commit, are reordered', async () => {
    const edited = [...lines]
    const swap = (i: number, j: number) => edited[i]!.replace(`"seq":${i},`, `"seq":${j},`)
    ;[edited[400], edited[401]] = [swap(401, 400), swap(400, 401)]
    const { vouched, kinds } = await both(joined(edited))
    expect(vouched).toBe(400)
    expect(kinds).toEqual([['reordered', 400, undefined]]) // the spike: E401 came first
  })

  it('recorded_at of the events before a commit still count (the verifier is primed)', async () => {
    // E400 resealed with a recorded_at below seq 398's: a dip right after the commit at 400,
    // which only the two committed events before it can show.
    const edited = [...lines]
    const early = new Date(Date.UTC(2026, 10, 30, 12) + 397_500).toISOString()
    const text = texts[400]!.replace(/"recorded_at":"[^"]*"/, `"recorded_at":"${early}"`)
    edited[400] = resealed(400, text)
    const { vouched, kinds } = await both(joined(edited))
    expect(vouched).toBe(400)
    expect(kinds).toEqual([['reordered', 400, undefined]])
  })

  it('a seq in the suffix changed is found as the full path finds it', async () => {
    const edited = [...lines]
    edited[210] = edited[210]!.replace('"seq":210,', '"seq":211,')
    const { vouched, kinds } = await both(joined(edited))
    expect(vouched).toBe(200)
    expect(kinds).toContainEqual(['inserted', 211, undefined])
  })

  it('lines removed, repeated, moved or cut off', async () => {
    const removed = await both(joined(lines.filter((_, i) => i !== 300)))
    expect(removed.vouched).toBe(300)
    expect(removed.kinds[0]).toEqual(['missing', 300, undefined])

    const repeated = await both(joined([...lines.slice(0, 501), lines[500]!, ...lines.slice(501)]))
    expect(repeated.vouched).toBe(500)
    expect(repeated.kinds).toEqual([['inserted', 500, undefined]])

    const moved = [...lines]
    ;[moved[100], moved[150]] = [moved[150]!, moved[100]!]
    expect((await both(joined(moved))).vouched).toBe(100)

    const cut = await both(joined(lines.slice(0, 550)))
    expect(cut.vouched).toBe(500)
    expect(cut.kinds).toEqual([['missing', 550, 600]])
  })

  it('lines not in the strict export form go to the full path', async () => {
    const variants: [string, number][] = [
      [lines[150]!.replace('"seq":150,', '"seq":0150,'), 100], // a leading zero
      [lines[150]!.replace('"seq":150,', '"seq": 150,'), 100], // a space
      [`${lines[150]!} `, 100], // trailing whitespace
      [lines[150]!.replace(/="\}$/, '=" }'), 100],
      [lines[150]!.replace(/,"seq":150,"leaf_hash":"[^"]*"\}$/, '}'), 100], // no suffix
      ['{"seq":150}', 100],
      ['not json', 100],
      ['\u00e9\u{1f600}', 100],
      [`{"a":"${'x'.repeat(MAX_LINE_BYTES + 10)}"}`, 100],
    ]
    for (const [line, vouchedBefore] of variants) {
      const edited = [...lines]
      edited[150] = line
      const { vouched, report } = await both(joined(edited))
      expect(vouched).toBe(vouchedBefore)
      expect(report.exitCode).toBe(1)
    }
  })

  it('a leaf_hash whose base64 has padding bits set is left to the full path', async () => {
    const edited = [...lines]
    const base64 = toBase64(leaves[220]!)
    const last = base64.at(-2)!
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
    const bits = alphabet[alphabet.indexOf(last) | 1]!
    edited[220] = edited[220]!.replace(base64, `${base64.slice(0, -2)}${bits}=`)
    const { vouched } = await both(joined(edited))
    expect(vouched).toBe(200)
  })

  it('a file with CRLF line ends is read as the full path reads it', async () => {
    const { vouched, report } = await both(lines.map((l) => `${l}\r\n`).join(''))
    expect(vouched).toBe(0)
    expect(report.counts.modified).toBe(SIZE)
  })

  it('events beyond the newest checkpoint get the full checks (an unsigned tail)', async () => {
    const intact = await both(joined(lines), { checkpointFile: at300 })
    expect(intact.vouched).toBe(300)
    expect(intact.kinds).toEqual([['unsigned_tail', 300, 600]])
    expect(intact.report.findings[0]?.severity).toBe('warning') // a partial tail: still intact
    expect(intact.report.exitCode).toBe(0)

    const edited = [...lines]
    edited[550] = resealed(550, texts[550]!.replace('{"actor":', '{ "actor":'))
    const tail = await both(joined(edited), { checkpointFile: at300 })
    expect(tail.vouched).toBe(300)
    expect(tail.kinds).toEqual([
      ['unsigned_tail', 300, 600],
      ['modified', 550, undefined],
    ])
  })

  it('without a checkpoint nothing is vouched for, and the export is not intact', async () => {
    const { vouched, kinds, report } = await both(joined(lines), {})
    expect(vouched).toBe(0)
    expect(kinds).toEqual([['nothing_signed', 0, 600]])
    expect(report.exitCode).toBe(1)
    expect(report.verdict).toBe('unverified')
  })

  it('every event forged, leaf hashes recomputed, no checkpoint: not intact (exit 1)', async () => {
    const forged = texts.map((text, seq) =>
      resealed(seq, text.replace(`"event number ${seq}"`, `"forged ${seq}"`)),
    )
    expect(forged).not.toEqual(lines)
    const { report, kinds } = await both(joined(forged), {})
    expect(kinds).toEqual([['nothing_signed', 0, 600]])
    expect(report.findings[0]).toMatchObject({ severity: 'error', tenant })
    expect(report.findings[0]?.message).toContain(
      '--checkpoint FILE (handed over with an export), --trusted FILE (saved by an earlier run with --save) or --checkpoint-dir DIR',
    )
    expect(report.exitCode).toBe(1)
    // With the checkpoint the log signed, the forgery is found.
    const checked = await both(joined(forged), { checkpointFile: at600 })
    expect(checked.report.exitCode).toBe(1)
    expect(checked.report.verdict).toBe('tampered')
  })

  it('a line nested too deep for the stack is modified, not a crash, on both paths', async () => {
    const deep = `${'['.repeat(20_000)}0${']'.repeat(20_000)}`
    const variants: [string, unknown[]][] = [
      [`{"seq":150,"data":{"x":${deep}}}`, [['modified', 150, undefined]]],
      [`{"data":{"x":${deep}},"seq":150}`, [['modified', 150, undefined]]],
      [
        `{"seq":${deep}}`,
        [
          // Nothing stands in for seq 150 (no readable leaf_hash): the roots signed after it
          // vouch for nothing from the last one that matched (stand-in.ts).
          ['nothing_signed', 100, 600],
          ['modified', 150, undefined],
          ['missing', 150, undefined],
          ['inserted', 150, undefined], // its seq is no seq the log assigns
        ],
      ],
      // In the export form: read strictly, then the full checks parse it.
      [
        `{"data":{"x":${deep}},"seq":150,"leaf_hash":"${toBase64(leaves[150]!)}"}`,
        [['modified', 150, undefined]],
      ],
    ]
    for (const [line, expected] of variants) {
      const edited = [...lines]
      edited[150] = line
      const { vouched, kinds, report } = await both(joined(edited))
      expect(vouched).toBe(100)
      expect(kinds).toEqual(expected)
      expect(report.exitCode).toBe(1)
    }
  })

  it('the trusted checkpoint is judged as the full path judges it', async () => {
    const intact = await both(joined(lines), { trustedFile: at600, checkpointFile: at300 })
    expect(intact.vouched).toBe(600)
    expect(intact.report.result.trusted).toEqual({ size: 600, status: 'matches' })

    const edited = [...lines]
    edited[420] = resealed(420, texts[420]!.replace('"event number 420"', '"rewritten"'))
    const rewritten = await both(joined(edited), { trustedFile: at600, checkpointFile: at300 })
    expect(rewritten.vouched).toBe(300)
    expect(rewritten.report.result.trusted?.status).toBe('differs')
  })

  it('two signed checkpoints of one size that differ (a fork) stop the fast path', async () => {
    const fork = join(dir, 'fork-200')
    await writeFile(fork, note(200, tree.root(199)))
    const { vouched, report } = await both(joined(lines), {
      checkpointDir: everyHundred,
      checkpointFile: fork,
    })
    expect(vouched).toBe(100)
    expect(report.counts.inconsistent_checkpoints).toBeGreaterThan(0)
  })

  it('a checkpoint by another key vouches for nothing', async () => {
    const other = deriveSigner(nodeCrypto, randomBytes(32), signer.name)
    const forged = join(dir, 'forged-600')
    await writeFile(
      forged,
      signCheckpoint(other, { origin: other.name, size: 600, rootHash: tree.root(600) }),
    )
    const { vouched, kinds } = await both(joined(lines), { checkpointFile: forged })
    expect(vouched).toBe(0)
    expect(kinds).toEqual([
      ['bad_signature', null, undefined],
      ['nothing_signed', 0, 600],
    ])
  })
})

describe('verify --export: an id sealed twice', () => {
  /** The log grown by copies of old events (their actor rewritten), signed at its new size. */
  async function grownBy(
    copiedSeqs: readonly number[],
    rewrite: (text: string, id: string) => string = (text) => text,
  ) {
    const copies = copiedSeqs.map((seq) =>
      rewrite(
        texts[seq]!.replace(/"actor":\{"id":"[^"]*"/, '"actor":{"id":"mallory"'),
        (JSON.parse(texts[seq]!) as AuditEvent).id,
      ),
    )
    const grown = new MemoryHashStore(hasher)
    grown.append([...leaves, ...copies.map((text) => hasher.leafHash(utf8(text)))])
    const size = SIZE + copies.length
    const checkpointFile = join(dir, `checkpoint-grown-${randomBytes(4).toString('hex')}`)
    await writeFile(
      checkpointFile,
      signCheckpoint(signer, { origin: signer.name, size, rootHash: grown.root(size) }),
    )
    const content = joined([...lines, ...copies.map((text, i) => resealed(SIZE + i, text))])
    return { content, checkpoints: { checkpointDir: everyHundred, checkpointFile } }
  }

  it('a rewritten copy of an old event, appended and signed, passes every root but not its id', async () => {
    const { content, checkpoints } = await grownBy([123])
    const { report, vouched, kinds } = await both(content, checkpoints)
    expect(vouched).toBe(SIZE + 1) // every signed root matches: the bytes are as signed
    expect(kinds).toEqual([['inserted', SIZE, undefined]])
    const id = (JSON.parse(texts[123]!) as AuditEvent).id
    expect(report.findings[0]?.message).toContain(`event id ${id} was sealed at seq 123 already`)
    expect(report.verdict).toBe('tampered')
  })

  it('every copy is named, with the seq its id was first sealed at', async () => {
    const { content, checkpoints } = await grownBy([500, 7, 500])
    const { report } = await both(content, checkpoints)
    expect(
      report.findings.map((f) => [f.kind, f.seq, /sealed at seq (\d+)/.exec(f.message)?.[1]]),
    ).toEqual([
      ['inserted', SIZE, '500'],
      ['inserted', SIZE + 1, '7'],
      ['inserted', SIZE + 2, '500'],
    ])
  })

  it('a copy right after its original is found too', async () => {
    const { content, checkpoints } = await grownBy([SIZE - 1])
    const { kinds } = await both(content, checkpoints)
    expect(kinds).toEqual([['inserted', SIZE, undefined]])
  })

  it('a copy signed in a form that is not canonical is found on the fast path too', async () => {
    const fresh = () => randomUUID()
    const forms: [string, (text: string, id: string) => string, string[][]][] = [
      [
        'white space',
        (text, id) => text.replace(`"id":"${id}"`, `"id": "${id}"`),
        [['modified'], ['inserted']],
      ],
      [
        // The id read where the canonical form has it is new; JSON.parse keeps the last one.
        'a second id member at the end',
        (text, id) =>
          `${text.replace(`"id":"${id}"`, `"id":"${fresh()}"`).slice(0, -1)},"id":"${id}"}`,
        [['modified'], ['inserted']],
      ],
      // Forms in which JSON.parse reads no copy of the id — other readers might.
      [
        'not JSON',
        (text, id) => `${text.replace(`"id":"${id}"`, `"id": "${id}"`).slice(0, -1)},}`,
        [['modified']],
      ],
      [
        'the old id first, a new one last',
        (text, id) =>
          `${text.slice(0, -1)},"id":"${fresh()}"}`.replace(`"id":"${id}"`, `"id":"${id}"`),
        [['modified']],
      ],
      [
        'the id in braces',
        (text, id) => text.replace(`"id":"${id}"`, `"id":"{${id}}"`),
        [['modified']],
      ],
    ]
    for (const [name, form, kinds] of forms) {
      const { content, checkpoints } = await grownBy([123], form)
      const file = await writeExport(content)
      for (const fastPath of [true, false]) {
        const report = await verifyLog({
          source: { kind: 'export', file },
          vkey,
          ...checkpoints,
          fastPath,
        })
        // On the fast path a signed root vouches for the copy's bytes; its form is still seen.
        if (fastPath) expect(report.result.vouched, name).toBe(SIZE + 1)
        expect(
          report.findings.map((f) => [f.kind]),
          `${name}, fast path ${fastPath}`,
        ).toEqual(kinds)
        expect(report.findings.every((f) => f.seq === SIZE)).toBe(true)
        expect(report.verdict).toBe('tampered')
      }
    }
  })

  it('when the check cannot be made (no temporary folder), the export is never called intact', async () => {
    const file = await writeExport(joined(lines))
    const notAFolder = join(dir, 'not-a-folder')
    await writeFile(notAFolder, '')
    const saved = process.env.TMPDIR
    process.env.TMPDIR = notAFolder
    try {
      const verifying = verifyLog({
        source: { kind: 'export', file },
        vkey,
        checkpointDir: everyHundred,
      })
      await expect(verifying).rejects.toThrow(
        `the check for event ids sealed twice could not be made (its temporary files go to ${notAFolder}`,
      )
      await expect(verifying).rejects.toMatchObject({ code: 'IO' })
    } finally {
      if (saved === undefined) delete process.env.TMPDIR
      else process.env.TMPDIR = saved
    }
  })

  it('an export whose events were put in a new order finds no id sealed twice', async () => {
    // Seqs kept, lines moved: a reordering (found as such), not an id sealed twice.
    const moved = [...lines.slice(300), ...lines.slice(0, 300)]
    const { report } = await both(joined(moved))
    expect(report.findings.length).toBeGreaterThan(0)
    expect(report.findings.filter((f) => f.kind === 'inserted')).toEqual([])
  })
})

describe('speculateExport', () => {
  function verifier(sizes: number[]) {
    const findings = new FindingLog()
    const book = CheckpointBook.open(
      sizes.map((size) => ({
        source: 'checkpoint-file' as const,
        label: 'test',
        note: note(size),
      })),
      { crypto: nodeCrypto, verifierKey: signer, tenant, findings, logListIsComplete: false },
    )
    return new LogVerifier({ tenant, hasher, book, findings, digests: nodeDigests() })
  }

  it('reads lines across chunk boundaries, and resumes where it last committed', async () => {
    const content = joined(lines)
    const file = await writeExport(content)
    for (const chunk of [97, 1000, 4096]) {
      const v = verifier([300, 600])
      expect(v.speculate()).toBe(true)
      const stop = await speculateExport(file, v, nodeDigests(), NO_PROGRESS, { chunkBytes: chunk })
      expect(v.speculating).toBe(false)
      expect(stop.resumeAt).toBe((await stat(file)).size)
      const result = v.finish()
      expect(result.vouched).toBe(SIZE)
      expect(result.rootHash).toEqual(tree.root(SIZE))
    }

    const edited = [...lines]
    edited[450] = edited[450]!.replace('"event number 450"', '"event number 451"')
    const editedFile = await writeExport(joined(edited))
    const v = verifier([300, 600])
    v.speculate()
    const stop = await speculateExport(editedFile, v, nodeDigests(), NO_PROGRESS, {
      chunkBytes: 1000,
    })
    const offset = (n: number) => Buffer.byteLength(joined(edited.slice(0, n)))
    expect(stop.resumeAt).toBe(offset(300))
    expect(stop.before).toEqual([
      [offset(298), offset(299) - 1],
      [offset(299), offset(300) - 1],
    ])
    expect(v.committed).toBe(300)
  })
})
