// `auditseal export` and `auditseal checkpoint` from the database, and `verify --export` on
// what they write: the untouched export verifies; every edit of the file is caught.

import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuditEvent } from '@auditseal/core'
import {
  canonicalJson,
  createTreeHasher,
  deriveSigner,
  fromHex,
  MAX_NOTE_BYTES,
  parseVerifierKey,
  signCheckpoint,
  utf8,
} from '@auditseal/core'
import { runCheckpoint } from '../../src/cli/checkpoint.js'
import { runExport } from '../../src/cli/export.js'
import { nodeCrypto } from '../../src/crypto/node-crypto.js'
import type { AuditLog } from '../../src/store/index.js'
import { eventJson, toStoredEvent } from '../../src/store/event-rows.js'
import { verifyLog } from '../../src/verify/run.js'
import type { VerifyReport } from '../../src/verify/run.js'
import { allRows, testAuditLog } from '../support/audit-log.js'
import { createPostgresDatabase, type PostgresTestDatabase } from '../support/databases.js'
import { makeEvent, makeEvents, newTenantId } from '../support/events.js'

const hasher = createTreeHasher(nodeCrypto)
const BATCH = 400
const BATCHES = 3
const EVENTS = BATCH * BATCHES

let database: PostgresTestDatabase
let log: AuditLog
let dir: string
let vkey: string
let exportFile: string
let checkpointFile: string
let lines: string[]
const tenant = newTenantId()

/** Cells a spreadsheet would run, and text that needs RFC 4180 quoting. */
const SPECIAL = makeEvent(tenant, 0, {
  actor: { type: 'user', id: 'user-1', name: '=HYPERLINK("https://evil.example","click")' },
  target: { type: 'device', id: 'dev-1', name: 'Sensor, "north"\r\nwing' },
  request_id: '+1-555-0100',
  source: { ip: '203.0.113.7', user_agent: '@agent' },
})

beforeAll(async () => {
  database = await createPostgresDatabase()
  log = testAuditLog(database.db)
  dir = await mkdtemp(join(tmpdir(), 'auditseal-export-'))
  for (let batch = 0; batch < BATCHES; batch++) {
    const events = makeEvents(tenant, BATCH, batch * BATCH)
    if (batch === 0) events[0] = SPECIAL
    await log.sealer.seal(tenant, events)
    await log.checkpointer.runOnce()
    await new Promise((resolve) => setTimeout(resolve, 5)) // batches get distinct recorded_at
  }
  vkey = log.keys.verifierKey(tenant)
  exportFile = join(dir, 'export.ndjson')
  checkpointFile = join(dir, 'checkpoint')
  await runExport({
    format: 'ndjson',
    databaseUrl: database.url,
    tenant,
    out: exportFile,
    progress: false,
  })
  await runCheckpoint({ databaseUrl: database.url, tenant, out: checkpointFile, vkey })
  lines = (await readFile(exportFile, 'utf8')).split('\n').slice(0, -1)
})
afterAll(async () => {
  await database?.drop()
  await rm(dir, { recursive: true, force: true })
})

function verifyFile(
  file: string,
  extra: { checkpointFile?: string; trustedFile?: string } = { checkpointFile },
) {
  return verifyLog({ source: { kind: 'export', file }, vkey, ...extra })
}

async function verifyLines(edited: string[]): Promise<VerifyReport> {
  const file = join(dir, `edited-${randomBytes(4).toString('hex')}.ndjson`)
  await writeFile(file, edited.map((l) => `${l}\n`).join(''))
  return verifyFile(file)
}

const kinds = (report: VerifyReport) => report.findings.map((f) => [f.kind, f.seq, f.endSeq])

const CLI = new URL('../../dist/cli.js', import.meta.url).pathname

/** Runs the built CLI (npm test builds dist first). */
async function auditseal(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)('node', [CLI, ...args])
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

describe('auditseal export --format ndjson', () => {
  it('writes every event as the store and the export API do: E, then seq and leaf_hash', async () => {
    expect(lines).toHaveLength(EVENTS)
    const rows = await allRows(database.db, tenant)
    rows.forEach((row, i) => {
      const stored = toStoredEvent({
        seq: row.seq,
        canonical: row.canonical,
        leaf_hash: fromHex(row.leafHash),
      })
      expect(lines[i]).toBe(eventJson(stored))
    })
  })

  it('verifies intact against the checkpoint saved with auditseal checkpoint', async () => {
    const report = await verifyFile(exportFile)
    expect(report.findings).toEqual([])
    expect(report.exitCode).toBe(0)
    expect(report.result.events).toBe(EVENTS)
    expect(report.result.newestMatched?.size).toBe(EVENTS)
    expect(report.source.kind).toBe('export')
  })

  it('is not intact without a checkpoint: nothing signed vouches for its events', async () => {
    const report = await verifyFile(exportFile, {})
    expect(report.exitCode).toBe(1)
    expect(report.verdict).toBe('unverified')
    expect(kinds(report)).toEqual([['nothing_signed', 0, EVENTS]])
    expect(report.findings[0]).toMatchObject({ severity: 'error' })
    expect(report.findings[0]?.message).toMatch(/^nothing signed vouches for seq 0 to 1199: /)
    expect(report.findings[0]?.message).toContain('--checkpoint FILE')
  })
})

describe('verify --export on an edited export', () => {
  it('an event whose data was edited is modified', async () => {
    const edited = [...lines]
    edited[500] = edited[500]!.replace('"note":"event number 500"', '"note":"event number 501"')
    expect(kinds(await verifyLines(edited))).toEqual([['modified', 500, undefined]])
  })

  it('a line reformatted (same content, not the export form) is modified', async () => {
    const edited = [...lines]
    edited[7] = JSON.stringify(JSON.parse(edited[7]!), null, 0).replace('{"', '{ "')
    const report = await verifyLines(edited)
    expect(kinds(report)).toEqual([['modified', 7, undefined]])
    expect(report.findings[0]?.message).toContain('not in canonical form')
  })

  it('a line removed is missing', async () => {
    const edited = lines.filter((_, i) => i !== 300)
    // One line short, the export no longer reaches the checkpoint's size, and nothing in it
    // can stand in for seq 300: no signed root vouches for any event of it any more (another
    // line edited, its leaf hash recomputed, would go unseen), which the report says.
    const report = await verifyLines(edited)
    expect(kinds(report)).toEqual([
      ['nothing_signed', 0, EVENTS],
      ['missing', 300, undefined],
    ])
    expect(report.findings[0]?.message).toContain('no stored leaf stands in for seq 300')
  })

  it('a line repeated is inserted', async () => {
    const edited = [...lines.slice(0, 301), lines[300]!, ...lines.slice(301)]
    const report = await verifyLines(edited)
    expect(kinds(report)).toEqual([['inserted', 300, undefined]])
    expect(report.findings[0]?.message).toBe('another event already has seq 300')
  })

  it('lines moved out of seq order are reordered', async () => {
    const edited = [...lines]
    ;[edited[100], edited[900]] = [edited[900]!, edited[100]!]
    const report = await verifyLines(edited)
    expect(kinds(report)).toEqual([
      // An export holds no stored leaves to stand in for seq 100 to 899 where they are
      // missing: past the move, no signed root vouches for anything (stand-in.ts).
      ['nothing_signed', 0, EVENTS],
      ['reordered', 100, undefined], // seq 100 comes after seq 900
      ['reordered', 101, 900], // seq 101 to 899 come after seq 900
      ['reordered', 900, undefined], // and recorded_at says seq 900 is early
    ])
  })

  it('two events whose seqs were swapped (lines in order) are found by recorded_at', async () => {
    // Without the database's stored leaves, the signed roots say that something changed
    // after seq 0 and recorded_at, which the sealer never lets decrease, says where.
    const edited = [...lines]
    const swap = (i: number, j: number) => edited[i]!.replace(`"seq":${i},`, `"seq":${j},`)
    ;[edited[100], edited[900]] = [swap(900, 100), swap(100, 900)]
    const report = await verifyLines(edited)
    expect(kinds(report)).toEqual([
      ['reordered', 100, undefined],
      ['reordered', 900, undefined],
    ])
  })

  it('an event moved back between two batches, leaf hash recomputed, is reordered at its own seq', async () => {
    // Each batch has one recorded_at: seq BATCH + 1 now has one between the batches before and
    // its own. Both it and seq BATCH would fit between their neighbours; seq BATCH shares its
    // batch's recorded_at, so the one out of place is BATCH + 1.
    const seq = BATCH + 1
    const line = JSON.parse(lines[seq]!) as AuditEvent & { seq: number; leaf_hash: string }
    const before = Date.parse((JSON.parse(lines[BATCH - 1]!) as AuditEvent).recorded_at!)
    const after = Date.parse(line.recorded_at!)
    expect(after - before).toBeGreaterThan(1)
    const { seq: _seq, leaf_hash: _leaf, ...event } = line
    const moved = canonicalJson({
      ...event,
      recorded_at: new Date(Math.floor((before + after) / 2)).toISOString(),
    })
    const edited = [...lines]
    edited[seq] = eventJson(
      toStoredEvent({ seq, canonical: moved, leaf_hash: hasher.leafHash(utf8(moved)) }),
    )
    expect(kinds(await verifyLines(edited))).toEqual([['reordered', seq, undefined]])
  })

  it('the last lines cut off are missing up to the checkpoint', async () => {
    const report = await verifyLines(lines.slice(0, EVENTS - 10))
    expect(kinds(report)).toEqual([['missing', EVENTS - 10, EVENTS]])
  })

  it('a checkpoint signed by another key is a bad signature', async () => {
    const origin = parseVerifierKey(nodeCrypto, vkey).name
    const forged = signCheckpoint(deriveSigner(nodeCrypto, randomBytes(32), origin), {
      origin,
      size: 1,
      rootHash: new Uint8Array(32),
    })
    const file = join(dir, 'forged-checkpoint')
    await writeFile(file, forged)
    const report = await verifyFile(exportFile, { checkpointFile: file })
    expect(report.exitCode).toBe(1)
    expect(report.findings.map((f) => [f.kind, f.treeSize, f.source])).toEqual([
      ['bad_signature', 1, 'checkpoint-file'],
      ['nothing_signed', undefined, undefined],
    ])
  })
})

describe('verify --export with the key of another tenant', () => {
  it('is not intact, and a warning says the export belongs to another tenant than the key', async () => {
    const otherKey = log.keys.verifierKey(newTenantId())
    const report = await verifyLog({
      source: { kind: 'export', file: exportFile },
      vkey: otherKey,
      checkpointFile,
    })
    expect(report.exitCode).toBe(1)
    expect(report.warnings).toEqual([
      expect.stringContaining(`the export's first event belongs to tenant "${tenant}"`),
    ])
    expect(report.warnings[0]).toContain(parseVerifierKey(nodeCrypto, otherKey).name)
    // With the export's own key there is nothing to warn about.
    expect((await verifyFile(exportFile)).warnings).toEqual([])
  })
})

describe('the auditseal verify command on an export', () => {
  it('exits 1, NOT VERIFIED, on an export no checkpoint vouches for', async () => {
    const text = await auditseal('verify', '--export', exportFile, '--vkey', vkey, '--no-progress')
    expect(text.code).toBe(1)
    expect(text.stdout).toContain('NOT VERIFIED: nothing signed vouches for these events')
    expect(text.stdout).not.toContain('INTACT')
    expect(text.stdout).toMatch(/error {3}nothing_signed +seq 0-1199 +nothing signed vouches/)
    const json = await auditseal('verify', '--export', exportFile, '--vkey', vkey, '--json')
    expect(json.code).toBe(1)
    expect(JSON.parse(json.stdout)).toMatchObject({
      result: 'unverified',
      exit_code: 1,
      counts: { nothing_signed: 1 },
    })
    const checked = await auditseal(
      'verify',
      ...['--export', exportFile, '--vkey', vkey, '--checkpoint', checkpointFile, '--json'],
    )
    expect(checked.code).toBe(0)
    expect(JSON.parse(checked.stdout)).toMatchObject({ result: 'intact', exit_code: 0 })
  })

  it('exits 2 when --checkpoint or --trusted names a file that is no signed checkpoint at all', async () => {
    const noteOfText = join(dir, 'note-of-text')
    await writeFile(noteOfText, 'hello\n\n\u2014 someone AAAAAAAA\n')
    const huge = join(dir, 'huge')
    await writeFile(huge, 'x'.repeat(MAX_NOTE_BYTES + 1))
    for (const [file, why] of [
      // The mistake a user made: the export itself given as its checkpoint.
      [exportFile, 'malformed note: no blank line between the text and the signatures'],
      [noteOfText, 'malformed checkpoint: 1 lines, fewer than 3'],
      [huge, `${MAX_NOTE_BYTES + 1} bytes, more than a signed note may have`],
    ] as const) {
      for (const flag of ['--checkpoint', '--trusted']) {
        const result = await auditseal('verify', '--export', exportFile, '--vkey', vkey, flag, file)
        expect(result).toEqual({
          code: 2,
          stdout: '',
          stderr: `auditseal: ${flag}: ${file} is not a signed checkpoint note (${why})\n`,
        })
      }
    }
  })

  it('still exits 1, bad_signature, for a well-formed checkpoint another key signed', async () => {
    const origin = parseVerifierKey(nodeCrypto, vkey).name
    const forged = join(dir, 'forged-for-the-cli')
    await writeFile(
      forged,
      signCheckpoint(deriveSigner(nodeCrypto, randomBytes(32), origin), {
        origin,
        size: EVENTS,
        rootHash: new Uint8Array(32),
      }),
    )
    const result = await auditseal(
      'verify',
      ...['--export', exportFile, '--vkey', vkey, '--checkpoint', forged, '--json'],
    )
    expect(result.code).toBe(1)
    expect(JSON.parse(result.stdout)).toMatchObject({
      result: 'tampered',
      counts: { bad_signature: 1, nothing_signed: 1 },
    })
  })

  it('exits 1, not 2, on a line nested too deep to serialize (a finding, not a crash)', async () => {
    const edited = [...lines]
    edited[5] = `{"seq":5,"data":{"x":${'['.repeat(20_000)}0${']'.repeat(20_000)}}}`
    const file = join(dir, 'deep.ndjson')
    await writeFile(file, edited.map((l) => `${l}\n`).join(''))
    const result = await auditseal(
      'verify',
      ...['--export', file, '--vkey', vkey, '--checkpoint', checkpointFile, '--json'],
    )
    expect(result.stderr).toBe('')
    expect(result.code).toBe(1)
    const report = JSON.parse(result.stdout) as { findings: Record<string, unknown>[] }
    expect(report.findings.map((f) => [f.kind, f.seq])).toEqual([['modified', 5]])
  })
})

describe('auditseal export --format csv', () => {
  it('writes RFC 4180 rows and defuses cells a spreadsheet would run', async () => {
    const file = join(dir, 'export.csv')
    expect(
      await runExport({
        format: 'csv',
        databaseUrl: database.url,
        tenant,
        out: file,
        progress: false,
      }),
    ).toBe(EVENTS)
    const text = await readFile(file, 'utf8')
    const [header, first] = text.split('\r\n')
    expect(header).toBe(
      'seq,id,tenant_id,type,outcome,occurred_at,recorded_at,actor_type,actor_id,actor_name,target_type,target_id,target_name,source_ip,source_user_agent,request_id,error_code,error_message,data,leaf_hash',
    )
    expect(first).toContain(`,"'=HYPERLINK(""https://evil.example"",""click"")",`)
    expect(text).toContain(`,203.0.113.7,'@agent,'+1-555-0100,`)
    // The quoted name spans a line break; everything else is one row per event.
    expect(text).toContain(`,"Sensor, ""north""\r\nwing",`)
    expect(text.split('\r\n')).toHaveLength(1 + EVENTS + 1 + 1)
  })

  it('applies filters', async () => {
    const file = join(dir, 'failures.ndjson')
    const count = await runExport({
      format: 'ndjson',
      databaseUrl: database.url,
      tenant,
      out: file,
      outcome: 'failure',
      type: 'device.*',
      progress: false,
    })
    const exported = (await readFile(file, 'utf8'))
      .split('\n')
      .slice(0, -1)
      .map((l) => JSON.parse(l))
    expect(exported).toHaveLength(count)
    expect(count).toBeGreaterThan(0)
    expect(exported.every((e) => e.outcome === 'failure' && e.type.startsWith('device.'))).toBe(
      true,
    )
  })
})

describe('auditseal export of a tenant with no events', () => {
  const exportOf = (tenantId: string, ...args: string[]) =>
    auditseal(
      ...['export', '--format', 'ndjson', '--database-url', database.url, '--tenant', tenantId],
      ...args,
    )

  it('exits 0 with no output, and a note that the tenant has no events', async () => {
    const nobody = newTenantId()
    expect(await exportOf(nobody)).toEqual({
      code: 0,
      stdout: '',
      stderr: `auditseal: tenant ${nobody} has no events (check --tenant)\n`,
    })
  })

  it('says nothing more when only the filters matched nothing', async () => {
    expect(await exportOf(tenant, '--type', 'no.such.type')).toEqual({
      code: 0,
      stdout: '',
      stderr: '',
    })
  })
})

describe('auditseal checkpoint', () => {
  it('saves the latest checkpoint, checked with --vkey, and refuses another tenant', async () => {
    const note = await readFile(checkpointFile, 'utf8')
    expect(note.split('\n')[1]).toBe(String(EVENTS))
    await expect(
      runCheckpoint({ databaseUrl: database.url, tenant: newTenantId(), out: join(dir, 'none') }),
    ).rejects.toThrow(/has no checkpoint yet/)
    const otherKey = log.keys.verifierKey(newTenantId())
    await expect(
      runCheckpoint({ databaseUrl: database.url, tenant, vkey: otherKey }),
    ).rejects.toThrow(/no signature by a trusted key/)
  })

  it('fails with an IO error naming --out when it cannot write there, leaving nothing behind', async () => {
    const blocked = join(dir, 'not-a-folder')
    await writeFile(blocked, 'a file')
    const out = join(blocked, 'checkpoint')
    await expect(runCheckpoint({ databaseUrl: database.url, tenant, out })).rejects.toMatchObject({
      code: 'IO',
      message: expect.stringMatching(new RegExp(`^cannot write ${out}: ENOTDIR`)),
    })
    // A folder that takes the temporary file but not the rename: the file is removed.
    const occupied = join(dir, 'occupied')
    await mkdir(join(occupied, 'checkpoint'), { recursive: true })
    await writeFile(join(occupied, 'checkpoint', 'inside'), 'x')
    await expect(
      runCheckpoint({ databaseUrl: database.url, tenant, out: join(occupied, 'checkpoint') }),
    ).rejects.toMatchObject({ code: 'IO' })
    expect((await readdir(occupied)).sort()).toEqual(['checkpoint'])
  })
})
