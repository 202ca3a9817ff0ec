// `verify --url`, `export --url` and `checkpoint --url` against the real HTTP API (buildApp),
// listening on a port like a deployed server.

import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuditEvent } from '@auditseal/core'
import { runCheckpoint } from '../../src/cli/checkpoint.js'
import { runExport } from '../../src/cli/export.js'
import { verifyLog } from '../../src/verify/run.js'
import type { TestApp } from '../http/support.js'
import { startTestApp } from '../http/support.js'
import { testAuditLog } from '../support/audit-log.js'
import { createPostgresDatabase, type PostgresTestDatabase } from '../support/databases.js'
import { makeEvents } from '../support/events.js'
import {
  canonicalAt,
  editCanonical,
  insertForged,
  rebuildTree,
  withTriggersDisabled,
} from './support/tamper.js'

const EVENTS = 1500

let database: PostgresTestDatabase
let api: TestApp
let url: string
let token: string
let vkey: string
let dir: string

beforeAll(async () => {
  database = await createPostgresDatabase()
  api = await startTestApp(database.db, { log: testAuditLog(database.db) })
  for (let offset = 0; offset < EVENTS; offset += 500) {
    await api.log.sealer.seal(api.tenant, makeEvents(api.tenant, 500, offset))
    await api.log.checkpointer.runOnce()
  }
  url = await api.app.listen({ host: '127.0.0.1', port: 0 })
  token = (api.auth.read.authorization as string).slice('Bearer '.length)
  vkey = api.log.keys.verifierKey(api.tenant)
  dir = await mkdtemp(join(tmpdir(), 'auditseal-api-'))
})
afterAll(async () => {
  await api?.close()
  await database?.drop()
  await rm(dir, { recursive: true, force: true })
})

const viaApi = (extra: { vkey?: string } = { vkey }) =>
  verifyLog({ source: { kind: 'api', url, token }, ...extra })

describe('auditseal verify --url', () => {
  it('verifies the log through the API with the pinned key', async () => {
    const report = await viaApi()
    expect(report.findings).toEqual([])
    expect(report.exitCode).toBe(0)
    expect(report.result.events).toBe(EVENTS)
    expect(report.checkpoints).toEqual({ copies: 3, verified: 3 })
    expect(report.keyPinned).toBe(true)
    expect(report.warnings).toEqual([])
  })

  it('with no key pinned (the published one is used) warns loudly and is never intact', async () => {
    const report = await viaApi({})
    expect(report.exitCode).toBe(1)
    expect(report.verdict).toBe('unverified')
    expect(report.keyPinned).toBe(false)
    expect(report.warnings[0]).toMatch(/^THE VERIFIER KEY IS NOT PINNED/)
    // The log's checkpoints match, under the server's key: they vouch for nothing.
    expect(report.result.matched).toBe(3)
    expect(report.findings.map((f) => [f.kind, f.severity, f.seq, f.endSeq])).toEqual([
      ['nothing_signed', 'error', 0, EVENTS],
    ])
    expect(report.findings[0]?.message).toContain('the key the server itself publishes')
    expect(report.findings[0]?.message).toContain('--vkey')
  })

  it('with no key pinned, a checkpoint from outside the server that verifies vouches for the key', async () => {
    const saved = join(dir, 'saved-checkpoint')
    await runCheckpoint({ url, token, out: saved, vkey })
    const report = await verifyLog({ source: { kind: 'api', url, token }, trustedFile: saved })
    expect(report.findings).toEqual([])
    expect(report.exitCode).toBe(0)
    expect(report.result.trusted).toEqual({ size: EVENTS, status: 'matches' })
  })

  it('a malformed entry in the checkpoint list is a finding, not an API error (exit 1, not 2)', async () => {
    const garble: typeof fetch = async (input, init) => {
      const response = await fetch(input, init)
      if (!String(input).includes('/v1/checkpoints?')) return response
      const body = (await response.json()) as { checkpoints: unknown[] }
      const [first, second, ...rest] = body.checkpoints
      const garbled = {
        ...(first as object),
        tree_size: String((first as { tree_size: number }).tree_size),
      }
      body.checkpoints = [garbled, null, second, ...rest] // a string size, then not an object
      return Response.json(body)
    }
    const report = await verifyLog({ source: { kind: 'api', url, token, fetch: garble }, vkey })
    expect(report.exitCode).toBe(1)
    expect(report.checkpoints).toEqual({ copies: 4, verified: 2 })
    expect(report.findings.map((f) => [f.kind, f.seq ?? f.treeSize, f.message])).toEqual([
      [
        'bad_signature',
        EVENTS, // the list is newest first; the size is read from the note, for the message
        "API checkpoint (entry 1 of the list): the checkpoint is malformed: the API's list entry lacks a numeric tree_size",
      ],
      [
        'bad_signature',
        undefined,
        "API checkpoint (entry 2 of the list): the checkpoint is malformed: the API's list entry lacks a numeric tree_size, a root_hash string, a note string",
      ],
      ['unsigned_tail', 1000, expect.stringMatching(/^seq 1000 to 1499 are not covered/)],
    ])
  })

  it('refuses a token the API refuses (exit 2, not a finding)', async () => {
    await expect(verifyLog({ source: { kind: 'api', url, token: 'nope' }, vkey })).rejects.toThrow(
      /GET \/v1\/log: 401/,
    )
  })
})

describe('auditseal export --url and checkpoint --url', () => {
  it('exports the same bytes as from the database, and they verify against the API’s checkpoint', async () => {
    const fromApi = join(dir, 'api.ndjson')
    const fromDb = join(dir, 'db.ndjson')
    const checkpoint = join(dir, 'checkpoint')
    expect(await runExport({ format: 'ndjson', url, token, out: fromApi, progress: false })).toBe(
      EVENTS,
    )
    await runExport({
      format: 'ndjson',
      databaseUrl: database.url,
      tenant: api.tenant,
      out: fromDb,
      progress: false,
    })
    expect(await readFile(fromApi, 'utf8')).toBe(await readFile(fromDb, 'utf8'))
    await runCheckpoint({ url, token, out: checkpoint, vkey })
    const report = await verifyLog({
      source: { kind: 'export', file: fromApi },
      vkey,
      trustedFile: checkpoint,
    })
    expect(report.findings).toEqual([])
    expect(report.result.trusted).toEqual({ size: EVENTS, status: 'matches' })
  })

  it('exports CSV through the API', async () => {
    const file = join(dir, 'api.csv')
    expect(await runExport({ format: 'csv', url, token, out: file, progress: false })).toBe(EVENTS)
    expect((await readFile(file, 'utf8')).startsWith('seq,id,tenant_id,')).toBe(true)
  })
})

describe('tampering seen through the API', () => {
  it('an event edited in the database is modified at its seq', async () => {
    await withTriggersDisabled(database.db, (sql) =>
      editCanonical(sql, api.tenant, 777, '"note":"event number 777"', '"note":"event number 778"'),
    )
    const report = await viaApi()
    expect(report.exitCode).toBe(1)
    expect(report.findings.map((f) => [f.kind, f.seq])).toEqual([['modified', 777]])
  })

  it('a rewritten copy of an old event, appended and signed, is found by its id sealed twice', async () => {
    let id = ''
    await withTriggersDisabled(database.db, async (sql) => {
      const original = JSON.parse(await canonicalAt(sql, api.tenant, 100)) as AuditEvent
      id = original.id
      // Stamped as if sealed now: nothing about its place in the log is out of order.
      const recorded_at = new Date().toISOString()
      const copy = { ...original, actor: { ...original.actor, id: 'mallory' }, recorded_at }
      await insertForged(sql, api.tenant, EVENTS, copy)
      await rebuildTree(sql, api.tenant)
    })
    await api.log.checkpointer.runOnce() // the log signs its grown tree
    const report = await viaApi()
    expect(report.result.events).toBe(EVENTS + 1)
    expect(report.findings.map((f) => [f.kind, f.seq])).toEqual([
      ['modified', 777], // the edit above
      ['inserted', EVENTS],
    ])
    expect(report.findings[1]?.message).toContain(`event id ${id} was sealed at seq 100 already`)
  })
})
