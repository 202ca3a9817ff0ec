import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  openCheckpoint,
  parseVerifierKey,
  toHex,
  verifyConsistency,
  verifyInclusion,
} from '@auditseal/core'
import { nodeCrypto } from '../../src/crypto/node-crypto.js'
import type { AuditLog } from '../../src/store/index.js'
import { StoreError } from '../../src/store/index.js'
import { allRows, rebuildTree, testAuditLog } from '../support/audit-log.js'
import type { TestDatabase } from '../support/databases.js'
import { ENGINES } from '../support/databases.js'
import { makeEvents, newTenantId } from '../support/events.js'

function seededRandom(seed: number): () => number {
  let state = seed
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648
    return state / 2147483648
  }
}

describe.each(ENGINES)('proofs and checkpoints on $name', ({ create }) => {
  let database: TestDatabase
  let log: AuditLog
  let checkpointDir: string
  const tenant = newTenantId()
  const sizes = [1, 7, 64, 65, 300, 517]

  beforeAll(async () => {
    database = await create()
    checkpointDir = await mkdtemp(join(tmpdir(), 'auditseal-checkpoints-'))
    log = testAuditLog(database.db, { checkpointDir })
    let size = 0
    for (const target of sizes) {
      await log.sealer.seal(tenant, makeEvents(tenant, target - size, size))
      size = target
      await log.checkpointer.runOnce()
    }
  })
  afterAll(async () => {
    await database?.drop()
    await rm(checkpointDir, { recursive: true, force: true })
  })

  it('signs one checkpoint per growth, each opening with the tenant verifier key', async () => {
    const { checkpoints } = await log.reader.checkpoints(tenant, { limit: 100 })
    expect(checkpoints.map((c) => c.treeSize)).toEqual([...sizes].reverse())
    const vkey = parseVerifierKey(nodeCrypto, log.keys.verifierKey(tenant))
    expect(vkey.name).toBe(`test.auditseal.local/${tenant}`)
    const tree = rebuildTree(log, await allRows(database.db, tenant))
    for (const row of checkpoints) {
      const { checkpoint } = openCheckpoint(nodeCrypto, row.note, vkey)
      expect(checkpoint.size).toBe(row.treeSize)
      expect(toHex(checkpoint.rootHash)).toBe(toHex(tree.root(row.treeSize)))
    }
    // Nothing grew, so another pass signs nothing.
    expect(await log.checkpointer.runOnce()).toEqual([])
  })

  it('writes every checkpoint and a latest copy to the checkpoint directory', async () => {
    const files = await readdir(join(checkpointDir, tenant))
    expect(files.sort()).toEqual([...sizes.map(String), 'latest'].sort())
    const latest = await log.reader.latestCheckpoint(tenant)
    expect(await readFile(join(checkpointDir, tenant, 'latest'), 'utf8')).toBe(latest?.note)
  })

  it('gives inclusion proofs that verify for 200 random (event, tree size) pairs', async () => {
    const random = seededRandom(42)
    const checkpoints = (await log.reader.checkpoints(tenant, { limit: 100 })).checkpoints
    const rows = await allRows(database.db, tenant)
    for (let n = 0; n < 200; n++) {
      const treeSize = 1 + Math.floor(random() * 517)
      const seq = Math.floor(random() * treeSize)
      const proof = await log.reader.inclusionProof(tenant, seq, treeSize)
      const tree = rebuildTree(log, rows.slice(0, treeSize))
      verifyInclusion(log.hasher, seq, treeSize, fromHex(rows[seq]!.leafHash), proof, tree.root())
    }
    // And against signed roots: the latest checkpoint's root, from its note.
    const latest = checkpoints[0]!
    const proof = await log.reader.inclusionProof(tenant, 3, latest.treeSize)
    verifyInclusion(
      log.hasher,
      3,
      latest.treeSize,
      fromHex(rows[3]!.leafHash),
      proof,
      latest.rootHash,
    )
  })

  it('gives consistency proofs that verify between all stored checkpoints', async () => {
    const checkpoints = (await log.reader.checkpoints(tenant, { limit: 100 })).checkpoints
    for (const older of checkpoints) {
      for (const newer of checkpoints) {
        if (older.treeSize > newer.treeSize) continue
        const proof = await log.reader.consistencyProof(tenant, older.treeSize, newer.treeSize)
        verifyConsistency(
          log.hasher,
          older.treeSize,
          newer.treeSize,
          proof,
          older.rootHash,
          newer.rootHash,
        )
      }
    }
  })

  it('refuses proofs for tree sizes the log does not have', async () => {
    await expect(log.reader.inclusionProof(tenant, 0, 518)).rejects.toThrow(StoreError)
    await expect(log.reader.inclusionProof(tenant, 10, 10)).rejects.toThrow(StoreError)
    await expect(log.reader.consistencyProof(tenant, 10, 5)).rejects.toThrow(StoreError)
  })

  it("shows one tenant nothing of another's log", async () => {
    const other = newTenantId()
    const [event] = await allRows(database.db, tenant)
    expect(await log.reader.eventById(other, event!.id)).toBeUndefined()
    expect(await log.reader.eventBySeq(other, 0)).toBeUndefined()
    expect((await log.reader.head(other)).treeSize).toBe(0)
    await expect(log.reader.inclusionProof(other, 0, 1)).rejects.toThrow(StoreError)
    expect((await log.reader.checkpoints(other, { limit: 10 })).checkpoints).toEqual([])
    const page = await log.reader.listEvents(other, {}, { limit: 50, order: 'desc' })
    expect(page.events).toEqual([])
  })

  it('tells onSigned of every new checkpoint, from a pass or on demand, and only new ones', async () => {
    const signed: number[] = []
    const watched = testAuditLog(database.db, { onSigned: (c) => signed.push(c.treeSize) })
    const own = newTenantId()
    await watched.sealer.seal(own, makeEvents(own, 3))
    await watched.checkpointer.checkpointTenant(own)
    await watched.sealer.seal(own, makeEvents(own, 2, 3))
    await watched.checkpointer.checkpointTenant(own)
    await watched.checkpointer.checkpointTenant(own) // nothing grew: nothing new signed
    expect(signed).toEqual([3, 5])
  })

  it('refuses to sign when the head no longer matches the stored tree', async () => {
    const victim = newTenantId()
    await log.sealer.seal(victim, makeEvents(victim, 10))
    await log.checkpointer.checkpointTenant(victim)
    await log.sealer.seal(victim, makeEvents(victim, 5, 10))
    // The head is the one mutable row: forge its root as a database owner could.
    await database.db.adminQuery(
      `UPDATE auditseal.audit_heads SET root_hash = sha256('forged'::bytea) WHERE tenant_id = $1`,
      [victim],
    )
    await expect(log.checkpointer.checkpointTenant(victim)).rejects.toThrow(/not signing/)
    const { checkpoints } = await log.reader.checkpoints(victim, { limit: 10 })
    expect(checkpoints.map((c) => c.treeSize)).toEqual([10])
  })

  it('refuses a head behind its latest checkpoint, or with another root at its size', async () => {
    const victim = newTenantId()
    await log.sealer.seal(victim, makeEvents(victim, 6))
    await log.checkpointer.checkpointTenant(victim)
    const [head] = await database.db.adminQuery<{ root: string }>(
      `SELECT encode(root_hash, 'hex') AS root FROM auditseal.audit_heads WHERE tenant_id = $1`,
      [victim],
    )
    await database.db.adminQuery(
      `UPDATE auditseal.audit_heads SET root_hash = sha256('other'::bytea) WHERE tenant_id = $1`,
      [victim],
    )
    await expect(log.checkpointer.checkpointTenant(victim)).rejects.toMatchObject({
      code: 'LOG_CORRUPT',
      message: expect.stringMatching(/differs from the checkpoint at size 6/),
    })
    await database.db.adminQuery(
      `UPDATE auditseal.audit_heads SET size = 5, root_hash = decode($2, 'hex') WHERE tenant_id = $1`,
      [victim, head!.root],
    )
    await expect(log.checkpointer.checkpointTenant(victim)).rejects.toMatchObject({
      code: 'LOG_CORRUPT',
      message: expect.stringMatching(/size 5 is behind the checkpoint at 6/),
    })
  })

  it('answers a checkpoint whose file could not be written, and writes the file on the next pass', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'auditseal-checkpoints-'))
    const errors: unknown[] = []
    const own = newTenantId()
    const logged = testAuditLog(database.db, {
      checkpointDir: dir,
      onError: (e) => errors.push(e),
    })
    try {
      // A file where the tenant's folder must go: the folder cannot be made.
      await writeFile(join(dir, own), 'in the way')
      await logged.sealer.seal(own, makeEvents(own, 4))
      const checkpoint = await logged.checkpointer.checkpointTenant(own)
      expect(checkpoint?.treeSize).toBe(4)
      expect(String(errors[0])).toMatch(
        /checkpoint .*\/4 is signed but its file could not be written/,
      )

      await rm(join(dir, own))
      await logged.checkpointer.runOnce()
      expect((await readdir(join(dir, own))).sort()).toEqual(['4', 'latest'])
      expect(await readFile(join(dir, own, 'latest'), 'utf8')).toBe(checkpoint?.note)
      // (The pass also meets the tenants of the tests above whose heads were forged.)
      expect(errors.filter((e) => String(e).includes(own))).toHaveLength(1)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

function fromHex(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'))
}
