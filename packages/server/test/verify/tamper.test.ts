// The tamper suite: every kind of tampering the database's owner (or a superuser) can do to
// a sealed log, each on a fresh copy of the same 10,000-event log (5,000 per tenant), each caught with the
// right kind at the right seq, while the other tenant's log stays intact.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { randomBytes } from 'node:crypto'
import { closeSync, openSync } from 'node:fs'
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { AuditEvent } from '@auditseal/core'
import {
  deriveSigner,
  openCheckpoint,
  parseVerifierKey,
  storedHashIndex,
  utf8,
  verifyInclusion,
} from '@auditseal/core'
import { runCheckpoint } from '../../src/cli/checkpoint.js'
import { runExport } from '../../src/cli/export.js'
import { nodeCrypto } from '../../src/crypto/node-crypto.js'
import { Checkpointer, LogReader, Sealer } from '../../src/store/index.js'
import type { Finding } from '../../src/verify/findings.js'
import type { VerifyLogOptions, VerifyReport } from '../../src/verify/run.js'
import { verifyLog } from '../../src/verify/run.js'
import { DatabaseSource } from '../../src/verify/sources/database.js'
import { ADMIN_URL, withAdminClient } from '../support/databases.js'
import { makeEvent, makeEvents } from '../support/events.js'
import type { Clone } from './support/clone.js'
import { cloneDatabase } from './support/clone.js'
import type { SealedLog, TenantLog } from './support/sealed-log.js'
import { EVENTS, sealTwoTenants } from './support/sealed-log.js'
import {
  canonicalAt,
  deleteEvent,
  editCanonical,
  hasher,
  insertForged,
  rebuildTree,
  rehashEvents,
  setStoredLeaf,
  shiftSeqs,
  withTriggersDisabled,
} from './support/tamper.js'

type Extra = Omit<VerifyLogOptions, 'source' | 'vkey'>

let sealed: SealedLog
let clone: Clone | undefined

beforeAll(async () => {
  sealed = await sealTwoTenants()
})
afterAll(async () => sealed?.drop())
afterEach(async () => {
  await clone?.drop()
  clone = undefined
})

/** The canonical text of one event, read as the superuser. */
async function withAdminCanonical(db: Clone, tenant: string, seq: number): Promise<string> {
  let text = ''
  await withTriggersDisabled(db.db, async (sql) => {
    text = await canonicalAt(sql, tenant, seq)
  })
  return text
}

async function fresh(): Promise<Clone> {
  clone = await cloneDatabase(sealed.template.name)
  return clone
}

function verify(db: Clone, tenant: TenantLog, extra: Extra = {}): Promise<VerifyReport> {
  return verifyLog({
    source: { kind: 'database', databaseUrl: db.url, tenant: tenant.id },
    vkey: tenant.vkey,
    ...extra,
  })
}

const withTrusted = (tenant: TenantLog): Extra => ({ trustedFile: tenant.trustedFile })
const withDir = (): Extra => ({ checkpointDir: sealed.checkpointDir })

/** The findings as (kind, seq) pairs, in report order. */
const kinds = (report: VerifyReport) => report.findings.map((f) => [f.kind, f.seq])
const errors = (report: VerifyReport) => report.findings.filter((f) => f.severity === 'error')

/** The other tenant's log, verified alongside the tampered one's: still intact. */
function expectIntact(report: VerifyReport): void {
  expect(report.tenant).toBe(sealed.b.id)
  expect(report.findings).toEqual([])
  expect(report.exitCode).toBe(0)
}

function expectFinding(report: VerifyReport, expected: Partial<Finding>): Finding {
  const found = report.findings.find((f) =>
    Object.entries(expected).every(([k, v]) => f[k as keyof Finding] === v),
  )
  expect(found, `${JSON.stringify(expected)} in ${JSON.stringify(kinds(report))}`).toBeDefined()
  return found as Finding
}

describe('a log nobody touched', () => {
  it('verifies intact from the events alone, against the trusted checkpoint and every published copy', async () => {
    const db = await fresh()
    for (const tenant of [sealed.a, sealed.b]) {
      const report = await verify(db, tenant, { ...withTrusted(tenant), ...withDir() })
      expect(report.findings).toEqual([])
      expect(report.exitCode).toBe(0)
      expect(report.result.events).toBe(EVENTS)
      expect(report.result.trusted).toEqual({ size: EVENTS, status: 'matches' })
      // 10 checkpoints in the database, 11 copies in the directory (latest too), 1 trusted.
      expect(report.checkpoints).toEqual({ copies: 22, verified: 22 })
      expect(report.result.matched).toBe(22)
    }
  })
})

describe('an event whose data was changed in its canonical text', () => {
  it('is modified at its seq, and the log no longer matches the trusted checkpoint', async () => {
    const db = await fresh()
    await withTriggersDisabled(db.db, (sql) =>
      editCanonical(
        sql,
        sealed.a.id,
        1234,
        '"note":"event number 1234"',
        '"note":"event number 9999"',
      ),
    )
    const other = verify(db, sealed.b, withTrusted(sealed.b)) // meanwhile
    const report = await verify(db, sealed.a, withTrusted(sealed.a))
    expect(report.exitCode).toBe(1)
    expect(kinds(report)).toEqual([
      ['modified', 1234],
      ['rewritten', 1234],
    ])
    expect(report.findings[0]?.message).toContain('stored leaf hash differs')
    expectIntact(await other)
  })
})

describe('recorded_at', () => {
  it('changed in its column only is modified (the column disagrees with the canonical text)', async () => {
    const db = await fresh()
    await withTriggersDisabled(db.db, (sql) =>
      sql
        .query(
          `UPDATE auditseal.audit_events SET recorded_at = recorded_at + interval '1 millisecond'
           WHERE tenant_id = $1 AND seq = 2345`,
          [sealed.a.id],
        )
        .then(() => undefined),
    )
    const other = verify(db, sealed.b, withTrusted(sealed.b)) // meanwhile
    const report = await verify(db, sealed.a)
    expect(kinds(report)).toEqual([['modified', 2345]])
    expect(report.findings[0]?.message).toMatch(/^column recorded_at is /)
    expect(report.exitCode).toBe(1)
    expectIntact(await other)
  })

  it('changed in the canonical text only is modified (leaf hash and column disagree)', async () => {
    const db = await fresh()
    await withTriggersDisabled(db.db, async (sql) => {
      const recordedAt = recordedAtOf(await canonicalAt(sql, sealed.a.id, 3456))
      await editCanonical(sql, sealed.a.id, 3456, recordedAt, laterBy1ms(recordedAt))
    })
    const other = verify(db, sealed.b, withTrusted(sealed.b)) // meanwhile
    const report = await verify(db, sealed.a)
    expect(kinds(report)).toEqual([['modified', 3456]])
    expect(report.findings[0]?.message).toContain('stored leaf hash differs')
    expect(report.findings[0]?.message).toContain('column recorded_at')
    expectIntact(await other)
  })

  it('changed everywhere, leaf_hash recomputed, is located by the checkpoint and the stored leaf', async () => {
    const db = await fresh()
    await withTriggersDisabled(db.db, async (sql) => {
      const recordedAt = recordedAtOf(await canonicalAt(sql, sealed.a.id, 4321))
      await editCanonical(sql, sealed.a.id, 4321, recordedAt, laterBy1ms(recordedAt))
      await sql.query(
        `UPDATE auditseal.audit_events SET recorded_at = $3::timestamptz WHERE tenant_id = $1 AND seq = $2`,
        [sealed.a.id, 4321, laterBy1ms(recordedAt).slice(1, -1)],
      )
      await rehashEvents(sql, sealed.a.id)
    })
    // Nothing is wrong with the row on its own; the signed root of size 4500 differs, and the
    // leaf the log stored when it sealed seq 4321 says which event changed.
    const other = verify(db, sealed.b, withTrusted(sealed.b)) // meanwhile
    const report = await verify(db, sealed.a)
    expect(kinds(report)).toEqual([['modified', 4321]])
    expect(report.findings[0]?.message).toContain('stored leaf hash was changed to match')
    expectIntact(await other)
  })
})

describe('deleted events', () => {
  it('one deleted event is missing at its seq', async () => {
    const db = await fresh()
    await withTriggersDisabled(db.db, (sql) => deleteEvent(sql, sealed.a.id, 4567))
    const other = verify(db, sealed.b, withTrusted(sealed.b)) // meanwhile
    const report = await verify(db, sealed.a, withTrusted(sealed.a))
    expect(kinds(report)).toEqual([['missing', 4567]])
    // One event short, the log no longer reaches the trusted checkpoint's size.
    expect(report.result.trusted).toEqual({ size: EVENTS, status: 'beyond_end' })
    expectIntact(await other)
  })

  it('the last 100 deleted are missing from seq 4900 to the end of the signed tree', async () => {
    const db = await fresh()
    await withTriggersDisabled(db.db, (sql) =>
      sql
        .query(`DELETE FROM auditseal.audit_events WHERE tenant_id = $1 AND seq >= 4900`, [
          sealed.a.id,
        ])
        .then(() => undefined),
    )
    const other = verify(db, sealed.b, withTrusted(sealed.b)) // meanwhile
    const report = await verify(db, sealed.a)
    expect(report.findings).toHaveLength(1)
    expect(report.findings[0]).toMatchObject({
      kind: 'missing',
      seq: 4900,
      endSeq: EVENTS,
      severity: 'error',
    })
    expectIntact(await other)
  })

  it('TRUNCATE empties every tenant, and each log is missing from seq 0', async () => {
    const db = await fresh()
    await withTriggersDisabled(db.db, (sql) => sql.exec('TRUNCATE auditseal.audit_events'))
    for (const tenant of [sealed.a, sealed.b]) {
      const report = await verify(db, tenant, withTrusted(tenant))
      expect(report.findings).toHaveLength(1)
      expect(report.findings[0]).toMatchObject({ kind: 'missing', seq: 0, endSeq: EVENTS })
      expect(report.result.trusted?.status).toBe('beyond_end')
      expect(report.exitCode).toBe(1)
    }
  })
})

describe('events moved', () => {
  it('two events whose seqs were swapped are reordered at both seqs', async () => {
    const db = await fresh()
    await withTriggersDisabled(db.db, async (sql) => {
      const move = (from: number, to: number) =>
        sql.query(`UPDATE auditseal.audit_events SET seq = $3 WHERE tenant_id = $1 AND seq = $2`, [
          sealed.a.id,
          from,
          to,
        ])
      await move(1111, -1)
      await move(3777, 1111)
      await move(-1, 3777)
    })
    const other = verify(db, sealed.b, withTrusted(sealed.b)) // meanwhile
    const report = await verify(db, sealed.a)
    expect(kinds(report)).toEqual([
      ['reordered', 1111],
      ['reordered', 3777],
    ])
    expect(report.findings[0]?.message).toContain('swapped with seq 3777')
    expectIntact(await other)
  })

  it('a forged event inserted in the middle (the rest renumbered) is inserted at its seq', async () => {
    const db = await fresh()
    await withTriggersDisabled(db.db, async (sql) => {
      const neighbour = JSON.parse(await canonicalAt(sql, sealed.a.id, 4999)) as {
        recorded_at: string
      }
      await shiftSeqs(sql, sealed.a.id, 2500, 1)
      await insertForged(sql, sealed.a.id, 2500, {
        ...makeEvent(sealed.a.id, 2500),
        recorded_at: neighbour.recorded_at,
      })
    })
    const other = verify(db, sealed.b, withTrusted(sealed.b)) // meanwhile
    const report = await verify(db, sealed.a)
    expect(errors(report).map((f) => [f.kind, f.seq])).toEqual([['inserted', 2500]])
    expect(report.findings[0]?.message).toContain('were each sealed one seq earlier')
    // The log is one event longer than its newest checkpoint.
    expectFinding(report, { kind: 'unsigned_tail', severity: 'warning', seq: EVENTS })
    expectIntact(await other)
  })

  it('a forged event given an existing seq is inserted at that seq', async () => {
    const db = await fresh()
    await withTriggersDisabled(db.db, async (sql) => {
      const original = JSON.parse(await canonicalAt(sql, sealed.a.id, 3000)) as {
        recorded_at: string
      }
      const forged = {
        ...makeEvent(sealed.a.id, 3000),
        recorded_at: laterBy1ms(`"${original.recorded_at}"`).slice(1, -1),
      }
      await insertForged(sql, sealed.a.id, 3000, forged)
    })
    const other = verify(db, sealed.b, withTrusted(sealed.b)) // meanwhile
    const report = await verify(db, sealed.a)
    expect(errors(report).map((f) => [f.kind, f.seq])).toEqual([['inserted', 3000]])
    expect(report.findings[0]?.message).toBe('another event already has seq 3000')
    expectIntact(await other)
  })
})

describe('events appended with no checkpoint', () => {
  it('are an unsigned tail: a warning, or an error with --strict', async () => {
    const db = await fresh()
    await new Sealer(db.db, hasher).seal(sealed.a.id, makeEvents(sealed.a.id, 5, EVENTS))
    const other = verify(db, sealed.b, withTrusted(sealed.b)) // meanwhile
    const report = await verify(db, sealed.a, withTrusted(sealed.a))
    expect(report.exitCode).toBe(0)
    expect(report.findings).toHaveLength(1)
    expect(report.findings[0]).toMatchObject({
      kind: 'unsigned_tail',
      severity: 'warning',
      seq: EVENTS,
      endSeq: EVENTS + 5,
    })
    const strict = await verify(db, sealed.a, { strict: true })
    expect(strict.exitCode).toBe(1)
    expect(strict.findings[0]).toMatchObject({
      kind: 'unsigned_tail',
      severity: 'error',
      seq: EVENTS,
    })
    expectIntact(await other)
  })
})

describe('the whole log rewritten, hashes, tree, head and checkpoint recomputed', () => {
  it('with another key: bad_signature against the pinned key, rewritten against the trusted checkpoint', async () => {
    const db = await fresh()
    const otherKey = deriveSigner(
      nodeCrypto,
      randomBytes(32),
      parseVerifierKey(nodeCrypto, sealed.a.vkey).name,
    )
    await withTriggersDisabled(db.db, async (sql) => {
      await editCanonical(
        sql,
        sealed.a.id,
        2222,
        '"note":"event number 2222"',
        '"note":"nothing happened"',
      )
      await rehashEvents(sql, sealed.a.id)
      await rebuildTree(sql, sealed.a.id, otherKey)
    })
    const other = verify(db, sealed.b, withTrusted(sealed.b)) // meanwhile
    const pinned = await verify(db, sealed.a)
    expect(pinned.exitCode).toBe(1)
    expect(errors(pinned).map((f) => [f.kind, f.treeSize])).toEqual([
      ['bad_signature', EVENTS],
      ['nothing_signed', undefined], // no checkpoint verifies with the pinned key
    ])

    const trusted = await verify(db, sealed.a, withTrusted(sealed.a))
    const rewritten = expectFinding(trusted, { kind: 'rewritten' })
    // Nothing in the database locates the change any more: the whole signed range is suspect.
    expect(rewritten).toMatchObject({ seq: 0, endSeq: EVENTS, treeSize: EVENTS })

    // The published copies narrow it to the checkpoint interval that holds seq 2222.
    const published = await verify(db, sealed.a, withDir())
    expectFinding(published, {
      kind: 'inconsistent_checkpoints',
      seq: 2000,
      endSeq: 2500,
      source: 'checkpoint-dir',
    })
    expectIntact(await other)
  })

  it('with the right key after deleting an event: only an outside checkpoint can tell', async () => {
    const db = await fresh()
    await withTriggersDisabled(db.db, async (sql) => {
      await deleteEvent(sql, sealed.a.id, 3333)
      await shiftSeqs(sql, sealed.a.id, 3334, -1)
      await rebuildTree(sql, sealed.a.id)
    })
    // Business as usual afterwards: new events, and the log signs a checkpoint with its key.
    await new Sealer(db.db, hasher).seal(sealed.a.id, makeEvents(sealed.a.id, 5, EVENTS))
    await new Checkpointer(db.db, hasher, sealed.log.keys).checkpointTenant(sealed.a.id)

    const other = verify(db, sealed.b, withTrusted(sealed.b)) // meanwhile
    // From the database alone the rewritten log is self-consistent: this is why auditors keep
    // a checkpoint (--save, then --trusted) and checkpoints are published outside the database.
    const alone = await verify(db, sealed.a)
    expect(alone.findings).toEqual([])
    expect(alone.exitCode).toBe(0)

    const trusted = await verify(db, sealed.a, withTrusted(sealed.a))
    expect(trusted.exitCode).toBe(1)
    expectFinding(trusted, { kind: 'rewritten', seq: 0, endSeq: EVENTS })
    // …and the log no longer has the checkpoint the auditor holds.
    expectFinding(trusted, {
      kind: 'inconsistent_checkpoints',
      seq: null,
      treeSize: EVENTS,
      source: 'trusted',
    })

    const published = await verify(db, sealed.a, withDir())
    expectFinding(published, { kind: 'inconsistent_checkpoints', seq: 3000, endSeq: 3500 })
    expectIntact(await other)
  })
})

describe('a rewritten copy of an old event appended, the tree rebuilt and signed with the right key', () => {
  it('passes every signed root, the trusted one too, and is found by its id sealed twice', async () => {
    const db = await fresh()
    const original = JSON.parse(await withAdminCanonical(db, sealed.a.id, 1234)) as AuditEvent
    await withTriggersDisabled(db.db, async (sql) => {
      const copy = { ...original, actor: { ...original.actor, id: 'mallory' } }
      await insertForged(sql, sealed.a.id, EVENTS, copy)
      // The tree extended by the copy; the checkpoints signed before are kept, as a log that
      // only appended keeps them.
      const kept = await sql.query(
        'SELECT * FROM auditseal.audit_checkpoints WHERE tenant_id = $1',
        [sealed.a.id],
      )
      await rebuildTree(sql, sealed.a.id)
      for (const row of kept as Record<string, unknown>[]) {
        await sql.query(
          `INSERT INTO auditseal.audit_checkpoints (tenant_id, tree_size, root_hash, note, created_at)
           VALUES ($1, $2, $3, $4, $5)`,
          [row.tenant_id, row.tree_size, row.root_hash, row.note, row.created_at],
        )
      }
    })
    await new Checkpointer(db.db, hasher, sealed.log.keys).checkpointTenant(sealed.a.id)
    // The old tree is a prefix of the new one: the trusted checkpoint matches.
    const report = await verify(db, sealed.a, withTrusted(sealed.a))
    expect(report.result.trusted).toEqual({ size: EVENTS, status: 'matches' })
    expect(kinds(report)).toEqual([['inserted', EVENTS]])
    expect(report.findings[0]?.message).toContain(
      `event id ${original.id} was sealed at seq 1234 already`,
    )
    expect(report.exitCode).toBe(1)

    // An export of the log, checked against the same checkpoints, finds it by its id too.
    const dir = await mkdtemp(join(tmpdir(), 'auditseal-tamper-'))
    try {
      const file = join(dir, 'export.ndjson')
      const checkpointFile = join(dir, 'checkpoint')
      const flags = { databaseUrl: db.url, tenant: sealed.a.id }
      await runExport({ ...flags, format: 'ndjson', out: file, progress: false })
      await runCheckpoint({ ...flags, out: checkpointFile, vkey: sealed.a.vkey })
      for (const fastPath of [true, false]) {
        const exported = await verifyLog({
          source: { kind: 'export', file },
          vkey: sealed.a.vkey,
          checkpointFile,
          fastPath,
          ...withTrusted(sealed.a),
        })
        expect(exported.result.vouched).toBe(fastPath ? EVENTS + 1 : 0)
        expect(exported.findings).toEqual(report.findings)
      }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('ids stored many times, read from the database', () => {
  it('lists each id once with its seqs, the first sealed first, and says when it left some out', async () => {
    const db = await fresh()
    const ids: string[] = []
    await withTriggersDisabled(db.db, async (sql) => {
      const copy = async (from: number, at: number) => {
        const event = JSON.parse(await canonicalAt(sql, sealed.a.id, from)) as AuditEvent
        ids[from] = event.id
        await insertForged(sql, sealed.a.id, at, event)
      }
      for (const at of [EVENTS, EVENTS + 1, EVENTS + 2]) await copy(10, at) // four rows
      await copy(20, EVENTS + 3)
    })
    const source = new DatabaseSource({ db: db.db, tenant: sealed.a.id, label: 'clone' })
    // At most limit + 1 seqs of an id; more ids or seqs than that: `more`.
    expect(await source.duplicateIds(2)).toEqual({
      repeated: [
        { id: ids[10], seqs: [10, EVENTS, EVENTS + 1] },
        { id: ids[20], seqs: [20, EVENTS + 3] },
      ],
      more: true,
    })
    expect(await source.duplicateIds(1)).toEqual({
      repeated: [{ id: ids[10], seqs: [10, EVENTS] }],
      more: true,
    })
    expect(await source.duplicateIds(3)).toEqual({
      repeated: [
        { id: ids[10], seqs: [10, EVENTS, EVENTS + 1, EVENTS + 2] },
        { id: ids[20], seqs: [20, EVENTS + 3] },
      ],
      more: false,
    })
  })
})

describe('tampering behind other tampering', () => {
  /** Edits seq's data, and recomputes its leaf_hash and the stored tree's leaf to match. */
  async function editWithoutTrace(sql: Parameters<typeof editCanonical>[0], seq: number) {
    await editCanonical(sql, sealed.a.id, seq, `"note":"event number ${seq}"`, '"note":"quiet"')
    await rehashEvents(sql, sealed.a.id)
    await setStoredLeaf(
      sql,
      sealed.a.id,
      seq,
      hasher.leafHash(utf8(await canonicalAt(sql, sealed.a.id, seq))),
    )
  }

  it('an event deleted does not hide a later one edited without trace', async () => {
    const db = await fresh()
    await withTriggersDisabled(db.db, async (sql) => {
      await deleteEvent(sql, sealed.a.id, 1000)
      await editWithoutTrace(sql, 3210)
    })
    // Past seq 1000 every signed root differs from the recomputed tree; with the stored leaf of
    // seq 1000 standing in for it, the roots match again up to 3000 and condemn 3000..3499.
    const report = await verify(db, sealed.a)
    expect(kinds(report)).toEqual([
      ['missing', 1000],
      ['inconsistent_checkpoints', 3000],
    ])
    expect(report.findings[1]).toMatchObject({ endSeq: 3500, treeSize: 3500 })
    expect(report.findings[1]?.message).toContain('something else in seq 3000 to 3499 changed')
  })

  it('a stored leaf edited past an unexplained range is named, as not confirmed by any root', async () => {
    const db = await fresh()
    await withTriggersDisabled(db.db, async (sql) => {
      await editWithoutTrace(sql, 1234)
      await setStoredLeaf(sql, sealed.a.id, 1700, new Uint8Array(32))
    })
    // Past 1000..1499, which nothing explains, no signed root tells an edited event from an
    // edited stored leaf: 1700 is named, and the message says which it may be.
    const report = await verify(db, sealed.a)
    expect(kinds(report)).toEqual([
      ['inconsistent_checkpoints', 1000],
      ['modified', 1700],
    ])
    expect(report.findings[0]).toMatchObject({ endSeq: 1500 })
    expect(report.findings[1]?.message).toContain('or the stored tree was; no signed root')
  })

  it('an event deleted does not hide a later one edited with its leaf hash (its stored leaf confirms it)', async () => {
    const db = await fresh()
    await withTriggersDisabled(db.db, async (sql) => {
      await deleteEvent(sql, sealed.a.id, 1000)
      await editCanonical(sql, sealed.a.id, 1600, '"note":"event number 1600"', '"note":"x"')
      await rehashEvents(sql, sealed.a.id)
    })
    const report = await verify(db, sealed.a)
    expect(kinds(report)).toEqual([
      ['missing', 1000],
      ['modified', 1600],
    ])
    expect(report.findings[1]?.message).toContain('stored leaf hash was changed to match')
  })

  it('stored leaves edited beside real tampering are refuted by the signed roots, not findings', async () => {
    const db = await fresh()
    await withTriggersDisabled(db.db, async (sql) => {
      await setStoredLeaf(sql, sealed.a.id, 300, new Uint8Array(32)) // before the difference
      await deleteEvent(sql, sealed.a.id, 1000)
      await setStoredLeaf(sql, sealed.a.id, 1600, new Uint8Array(32)) // after it
      await editWithoutTrace(sql, 3210)
    })
    // Neither zeroed leaf is named (the root with the events' own leaves matches there), and
    // the edit at 3210 is still found past them.
    const report = await verify(db, sealed.a)
    expect(kinds(report)).toEqual([
      ['missing', 1000],
      ['inconsistent_checkpoints', 3000],
    ])
  })

  it('a false hint inside the condemned range does not hide that the range is not explained', async () => {
    const db = await fresh()
    await withTriggersDisabled(db.db, async (sql) => {
      await editWithoutTrace(sql, 1234)
      await setStoredLeaf(sql, sealed.a.id, 1100, new Uint8Array(32))
    })
    // The hint names seq 1100; with its stored leaf standing in, the root of size 1500 still
    // differs: something else in 1000..1499 changed, and the report says so.
    const report = await verify(db, sealed.a)
    expect(kinds(report)).toEqual([
      ['inconsistent_checkpoints', 1000],
      ['modified', 1100],
    ])
    // Event 1100 is intact: the hint is named, but not as a confirmed modification.
    expect(report.findings[1]?.message).toContain('or the stored tree was')
    expect(report.exitCode).toBe(1)
  })
})

describe('a deleted checkpoint row', () => {
  it('goes unseen in the database alone, and is caught by --trusted and --checkpoint-dir', async () => {
    const db = await fresh()
    await withTriggersDisabled(db.db, (sql) =>
      sql
        .query(
          `DELETE FROM auditseal.audit_checkpoints WHERE tenant_id = $1 AND tree_size IN (2500, 5000)`,
          [sealed.a.id],
        )
        .then(() => undefined),
    )
    const other = verify(db, sealed.b, withTrusted(sealed.b)) // meanwhile
    const alone = await verify(db, sealed.a)
    expect(alone.exitCode).toBe(0)
    expect(kinds(alone)).toEqual([['unsigned_tail', 4500]]) // the newest left is 4500

    const trusted = await verify(db, sealed.a, withTrusted(sealed.a))
    expect(trusted.exitCode).toBe(1)
    expect(errors(trusted).map((f) => [f.kind, f.treeSize, f.source])).toEqual([
      ['inconsistent_checkpoints', EVENTS, 'trusted'],
    ])

    const published = await verify(db, sealed.a, withDir())
    expect(published.exitCode).toBe(1)
    expect(errors(published).map((f) => [f.kind, f.treeSize])).toEqual([
      ['inconsistent_checkpoints', 2500],
      ['inconsistent_checkpoints', EVENTS],
    ])
    expectIntact(await other)
  })
})

describe('the published checkpoint directory tampered with', () => {
  /** A copy of the published directory, to spoil. */
  async function published(): Promise<string> {
    const dir = await mkdtemp(join(sealed.dir, 'published-'))
    await cp(sealed.checkpointDir, dir, { recursive: true })
    return dir
  }

  it('a copy too large for a note, or a folder for latest, is a bad signature, and the audit goes on', async () => {
    const db = await fresh()
    await withTriggersDisabled(db.db, (sql) =>
      editCanonical(sql, sealed.a.id, 1234, '"note":"event number 1234"', '"note":"x"'),
    )
    const dir = await published()
    const tenantDir = join(dir, sealed.a.id)
    await writeFile(join(tenantDir, '2500'), 'a'.repeat(2_000_000))
    await rm(join(tenantDir, 'latest'))
    await mkdir(join(tenantDir, 'latest'))
    const report = await verify(db, sealed.a, { checkpointDir: dir })
    expect(report.exitCode).toBe(1)
    expectFinding(report, { kind: 'modified', seq: 1234 })
    const tooLarge = expectFinding(report, { kind: 'bad_signature', treeSize: 2500 })
    expect(tooLarge.message).toContain('more than a signed note may have')
    const folder = report.findings.find((f) => f.message.includes(join(tenantDir, 'latest')))
    expect(folder).toMatchObject({ kind: 'bad_signature', source: 'checkpoint-dir' })
    expect(folder?.message).toContain('not a file')
  })

  it('a tenant without a folder there has no copies: a warning, and the log’s own checkpoints vouch', async () => {
    const db = await fresh()
    const empty = await mkdtemp(join(sealed.dir, 'published-'))
    const report = await verify(db, sealed.a, { checkpointDir: empty })
    expect(report.exitCode).toBe(0)
    expect(report.findings).toEqual([])
    expect(report.warnings).toEqual([
      expect.stringContaining(`holds no copy for tenant ${sealed.a.id}`),
    ])
    await expect(
      verify(db, sealed.a, { checkpointDir: join(empty, 'missing') }),
    ).rejects.toMatchObject({
      code: 'IO',
      message: expect.stringContaining('cannot read the checkpoint directory'),
    })
  })
})

describe('every checkpoint row deleted', () => {
  it('is not intact from the database alone: nothing signed vouches for the events', async () => {
    const db = await fresh()
    await withTriggersDisabled(db.db, (sql) =>
      sql
        .query(`DELETE FROM auditseal.audit_checkpoints WHERE tenant_id = $1`, [sealed.a.id])
        .then(() => undefined),
    )
    const other = verify(db, sealed.b, withTrusted(sealed.b)) // meanwhile
    const alone = await verify(db, sealed.a)
    expect(alone.exitCode).toBe(1)
    expect(alone.verdict).toBe('unverified')
    expect(alone.findings.map((f) => [f.kind, f.severity, f.seq, f.endSeq])).toEqual([
      ['nothing_signed', 'error', 0, EVENTS],
    ])
    expect(alone.findings[0]?.message).toContain('(0 found)')

    const published = await verify(db, sealed.a, withDir())
    expect(published.verdict).toBe('tampered')
    expect(kinds(published)).not.toContainEqual(['nothing_signed', 0])
    expectFinding(published, { kind: 'inconsistent_checkpoints', treeSize: EVENTS })
    expectIntact(await other)
  })

  it('with every event rewritten and rehashed, without the key: never exit 0', async () => {
    const db = await fresh()
    await withTriggersDisabled(db.db, async (sql) => {
      for (const seq of [0, 2222, EVENTS - 1]) {
        const note = `"note":"event number ${seq}"`
        await editCanonical(sql, sealed.a.id, seq, note, '"note":"nothing happened"')
      }
      await rehashEvents(sql, sealed.a.id)
      await rebuildTree(sql, sealed.a.id) // deletes the checkpoints, signs none
    })
    const alone = await verify(db, sealed.a)
    expect(alone.exitCode).toBe(1)
    expect(kinds(alone)).toEqual([['nothing_signed', 0]])
    const trusted = await verify(db, sealed.a, withTrusted(sealed.a))
    expectFinding(trusted, { kind: 'rewritten', seq: 0, endSeq: EVENTS })
  })
})

describe('an edited stored tree node', () => {
  it('does not change the verdict — the verifier never trusts nodes — but breaks the server’s proofs', async () => {
    const db = await fresh()
    const leafIndex = storedHashIndex(0, 100) // the leaf of seq 100
    const interiorIndex = storedHashIndex(3, 5) // the subtree of seqs 40..47
    await withTriggersDisabled(db.db, async (sql) => {
      // Hashes are stored in runs: replace the one at `index` inside the run that holds it.
      for (const index of [leafIndex, interiorIndex]) {
        await sql.query(
          `UPDATE auditseal.audit_tree_nodes
           SET hashes = overlay(hashes PLACING
             sha256(substring(hashes FROM ($2::bigint - first_idx)::int * 32 + 1 FOR 32))
             FROM ($2::bigint - first_idx)::int * 32 + 1)
           WHERE tenant_id = $1 AND first_idx = (SELECT max(first_idx) FROM auditseal.audit_tree_nodes
             WHERE tenant_id = $1 AND first_idx <= $2::bigint)`,
          [sealed.a.id, index],
        )
      }
    })
    // The log still verifies: it is recomputed from the events, and both nodes are wrong
    // only in the cache of hashes the server proves from.
    const other = verify(db, sealed.b, withTrusted(sealed.b)) // meanwhile
    const report = await verify(db, sealed.a, { ...withTrusted(sealed.a), ...withDir() })
    expect(report.findings).toEqual([])
    expect(report.exitCode).toBe(0)

    const reader = new LogReader(db.db, hasher)
    const root = openCheckpoint(
      nodeCrypto,
      await readFile(sealed.a.trustedFile, 'utf8'),
      parseVerifierKey(nodeCrypto, sealed.a.vkey),
    ).checkpoint.rootHash
    for (const seq of [101, 33]) {
      // 101's proof has the edited leaf 100 as its sibling; 33's has the edited subtree 40..47.
      const event = await reader.eventBySeq(sealed.a.id, seq)
      const proof = await reader.inclusionProof(sealed.a.id, seq, EVENTS)
      expect(() => verifyInclusion(hasher, seq, EVENTS, event!.leafHash, proof, root)).toThrow(
        /does not lead to the root/,
      )
    }
    expectIntact(await other)
  })
})

describe('the application roles', () => {
  it('writer and reader cannot UPDATE, DELETE or TRUNCATE any log table', async () => {
    const db = await fresh()
    for (const role of ['writer', 'reader'] as const) {
      for (const table of ['audit_events', 'audit_tree_nodes', 'audit_checkpoints']) {
        for (const statement of [
          `UPDATE auditseal.${table} SET tenant_id = tenant_id`,
          `DELETE FROM auditseal.${table}`,
          `TRUNCATE auditseal.${table}`,
        ]) {
          const error = await db.db
            .tenantTransaction(role, sealed.a.id, (sql) => sql.query(statement))
            .catch((e: unknown) => e)
          expect((error as Error).message, `${role}: ${statement}`).toMatch(
            /permission denied for table/,
          )
        }
      }
    }
    expect((await verify(db, sealed.a, withTrusted(sealed.a))).exitCode).toBe(0)
  })

  /**
   * Runs `check` with the URL of a fresh copy of the log as a new login that is a member of
   * `role` only; drops both afterwards.
   */
  async function asLoginIn(
    role: string,
    check: (url: string, login: string) => Promise<void>,
  ): Promise<void> {
    const db = await fresh()
    const login = `auditseal_test_login_${randomBytes(4).toString('hex')}`
    await db.db.adminQuery(`CREATE ROLE ${login} LOGIN IN ROLE ${role}`)
    try {
      const url = new URL(db.url)
      url.username = login
      await check(url.toString(), login)
    } finally {
      await db.drop()
      clone = undefined
      await withAdminClient(ADMIN_URL, (client) => client.query(`DROP ROLE ${login}`))
    }
  }

  it('a login role that is only a member of auditseal_reader can verify, scoped to the tenant', () =>
    asLoginIn('auditseal_reader', async (databaseUrl) => {
      const report = await verifyLog({
        source: { kind: 'database', databaseUrl, tenant: sealed.a.id },
        vkey: sealed.a.vkey,
        trustedFile: sealed.a.trustedFile,
      })
      expect(report.findings).toEqual([])
      expect(report.result.events).toBe(EVENTS)
    }))

  // What the migrating login is after `auditseal migrate`: a member of auditseal_owner, which
  // the forced row-level security lets see no event of any tenant.
  it('a login that can become the owner but not the reader is refused, never INTACT on nothing', () =>
    asLoginIn('auditseal_owner', async (databaseUrl, login) => {
      const error = await verifyLog({
        source: { kind: 'database', databaseUrl, tenant: sealed.a.id },
        vkey: sealed.a.vkey,
      }).catch((e: unknown) => e)
      expect(error).toMatchObject({ code: 'USAGE' })
      expect((error as Error).message).toMatch(
        new RegExp(`^the login ${login} \\(postgres://[^)]*\\) may not become auditseal_reader`),
      )
    }))
})

describe('the auditseal verify command', () => {
  it('exits 0 and says INTACT on an untouched log', async () => {
    const db = await fresh()
    const saved = join(sealed.dir, 'saved-checkpoint')
    const result = await auditseal(
      'verify',
      ...databaseFlags(db, sealed.a),
      '--trusted',
      sealed.a.trustedFile,
      '--save',
      saved,
    )
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('INTACT')
    expect(result.stdout).toContain('5,000 events re-hashed')
    expect(result.stderr).toBe(`auditseal: saved the checkpoint of size ${EVENTS} to ${saved}\n`)
    // --save keeps the newest verified checkpoint: here the one the auditor already trusted.
    expect(await readFile(saved, 'utf8')).toBe(await readFile(sealed.a.trustedFile, 'utf8'))
  })

  it('exits 2 when --save cannot write, leaving no temporary file behind', async () => {
    const db = await fresh()
    const dir = await mkdtemp(join(sealed.dir, 'save-'))
    const taken = join(dir, 'taken')
    await mkdir(taken) // a checkpoint file cannot replace a directory
    const result = await auditseal('verify', ...databaseFlags(db, sealed.a), '--save', taken)
    expect(result.code).toBe(2)
    expect(result.stdout).toContain('INTACT') // the report stands; only the save failed
    // The one line on stderr is the failure: no "saved" line before it.
    expect(result.stderr).toMatch(/^auditseal: cannot write [^\n]*taken: EISDIR[^\n]*\n$/)
    expect(await readdir(dir)).toEqual(['taken'])
  })

  it('with --json, a failed --save is an error whose JSON agrees with exit 2', async () => {
    const db = await fresh()
    const dir = await mkdtemp(join(sealed.dir, 'save-'))
    const taken = join(dir, 'taken')
    await mkdir(taken)
    const result = await auditseal(
      'verify',
      ...databaseFlags(db, sealed.a),
      ...['--save', taken, '--json', '--no-progress'],
    )
    expect(result.code).toBe(2)
    const body = JSON.parse(result.stdout) as Record<string, unknown>
    expect(body).toMatchObject({
      result: 'error',
      exit_code: 2,
      error: { code: 'IO', message: expect.stringMatching(/^cannot write \S*taken: EISDIR/) },
      // What the verification found is still there, under its own name.
      verification: { result: 'intact', exit_code: 0, events: EVENTS, tenant: sealed.a.id },
    })
    expect(Object.keys(body)).toEqual(['result', 'exit_code', 'error', 'verification'])
    expect(result.stderr).toBe(`auditseal: ${(body.error as { message: string }).message}\n`)
    expect(await readdir(dir)).toEqual(['taken'])
  })

  it('exits 1 with every finding in --json on a tampered log', async () => {
    const db = await fresh()
    await withTriggersDisabled(db.db, (sql) =>
      editCanonical(sql, sealed.a.id, 42, '"note":"event number 42"', '"note":"event number 43"'),
    )
    const result = await auditseal(
      'verify',
      ...databaseFlags(db, sealed.a),
      '--trusted',
      sealed.a.trustedFile,
      '--save',
      join(sealed.dir, 'not-saved'),
      '--json',
    )
    expect(result.code).toBe(1)
    await expect(readFile(join(sealed.dir, 'not-saved'))).rejects.toThrow(/ENOENT/) // not clean
    const report = JSON.parse(result.stdout) as {
      result: string
      exit_code: number
      findings: Record<string, unknown>[]
    }
    expect(report).toMatchObject({ result: 'tampered', exit_code: 1 })
    expect(report.findings.map((f) => [f.kind, f.seq, f.tenant])).toEqual([
      ['modified', 42, sealed.a.id],
      ['rewritten', 42, sealed.a.id],
    ])
  })

  it('export into a reader that stops early (| head) ends quietly with exit 0', async () => {
    const db = await fresh()
    const child = spawn('node', [
      CLI,
      'export',
      '--format',
      'ndjson',
      '--database-url',
      db.url,
      '--tenant',
      sealed.a.id,
    ])
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const [first] = (await once(child.stdout, 'data')) as [Buffer]
    expect(first.toString()).toMatch(/^\{"actor":/)
    child.stdout.destroy() // the reader goes away with most of the export unread
    const [code] = (await once(child, 'exit')) as [number]
    expect(code).toBe(0)
    expect(stderr).toBe('')
  })

  it('export onto standard output that fails to write (a full disk) exits 2, saying why', async () => {
    const db = await fresh()
    const full = openSync('/dev/full', 'w') // every write fails with ENOSPC
    try {
      const child = spawn(
        'node',
        [CLI, 'export', '--format', 'ndjson', '--database-url', db.url, '--tenant', sealed.a.id],
        { stdio: ['ignore', full, 'pipe'] },
      )
      let stderr = ''
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
      // 'close', not 'exit': by then standard error has been read to its end.
      const [code] = (await once(child, 'close')) as [number]
      expect(stderr).toMatch(/^auditseal: cannot write the export: .*ENOSPC/)
      expect(code).toBe(2)
    } finally {
      closeSync(full)
    }
  })

  it('exits 2 on a usage error or an unreachable database, saying why', async () => {
    const noSource = await auditseal('verify', '--vkey', sealed.a.vkey)
    expect(noSource.code).toBe(2)
    expect(noSource.stderr).toContain('give one source')
    const noTenant = await auditseal(
      'verify',
      '--database-url',
      'postgres://x@127.0.0.1:1/x',
      '--vkey',
      sealed.a.vkey,
    )
    expect(noTenant.code).toBe(2)
    expect(noTenant.stderr).toContain('--database-url needs --tenant')
    const otherTenant = await auditseal(
      'verify',
      '--database-url',
      'postgres://x@127.0.0.1:1/x',
      '--tenant',
      sealed.b.id,
      '--vkey',
      sealed.a.vkey,
      '--json',
    )
    expect(otherTenant.code).toBe(2)
    expect(JSON.parse(otherTenant.stdout)).toMatchObject({ exit_code: 2, error: { code: 'USAGE' } })
    const unreachable = await auditseal(
      'verify',
      '--database-url',
      'postgres://x@127.0.0.1:1/x',
      '--tenant',
      sealed.a.id,
      '--vkey',
      sealed.a.vkey,
    )
    expect(unreachable.code).toBe(2)
    expect(unreachable.stderr).toMatch(
      /^auditseal: cannot read the log from postgres:\/\/x@127.0.0.1:1\/x: .*ECONNREFUSED/,
    )
  })
})

const CLI = new URL('../../dist/cli.js', import.meta.url).pathname

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

function databaseFlags(db: Clone, tenant: TenantLog): string[] {
  return ['--database-url', db.url, '--tenant', tenant.id, '--vkey', tenant.vkey]
}

/** The `"…Z"` quoted recorded_at value in a canonical text. */
function recordedAtOf(canonical: string): string {
  return `"${(JSON.parse(canonical) as { recorded_at: string }).recorded_at}"`
}

/** A quoted event timestamp one millisecond later. */
function laterBy1ms(quoted: string): string {
  return `"${new Date(Date.parse(quoted.slice(1, -1)) + 1).toISOString()}"`
}
