// The log every tamper case starts from: 10,000 events, 5,000 for each of two tenants, sealed
// in batches of 500 with a checkpoint after each batch (sizes 500, 1000, …, 5000), the
// checkpoints also published to a checkpoint directory, and each tenant's latest checkpoint
// saved as the auditor's trusted copy. Built once; each case works on a clone of it.

import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AuditLog } from '../../../src/store/index.js'
import { testAuditLog } from '../../support/audit-log.js'
import { createPostgresDatabase, type PostgresTestDatabase } from '../../support/databases.js'
import { makeEvents, newTenantId } from '../../support/events.js'

export const EVENTS = 5_000
export const BATCH = 500

export interface TenantLog {
  id: string
  vkey: string
  /** The auditor's saved copy of the latest checkpoint (size EVENTS). */
  trustedFile: string
}

export interface SealedLog {
  template: PostgresTestDatabase
  log: AuditLog
  dir: string
  checkpointDir: string
  a: TenantLog
  b: TenantLog
  drop(): Promise<void>
}

export async function sealTwoTenants(): Promise<SealedLog> {
  const template = await createPostgresDatabase()
  const dir = await mkdtemp(join(tmpdir(), 'auditseal-verify-'))
  const checkpointDir = join(dir, 'checkpoints')
  const log = testAuditLog(template.db, { checkpointDir })
  const tenants = [newTenantId(), newTenantId()]
  for (let offset = 0; offset < EVENTS; offset += BATCH) {
    await Promise.all(tenants.map((t) => log.sealer.seal(t, makeEvents(t, BATCH, offset))))
    await log.checkpointer.runOnce()
  }
  const [a, b] = await Promise.all(
    tenants.map(async (id): Promise<TenantLog> => {
      const latest = await log.reader.latestCheckpoint(id)
      const trustedFile = join(dir, `trusted-${id}`)
      await writeFile(trustedFile, latest?.note ?? '')
      return { id, vkey: log.keys.verifierKey(id), trustedFile }
    }),
  )
  // CREATE DATABASE … TEMPLATE needs the template to have no other connection.
  await template.db.close()
  return {
    template,
    log,
    dir,
    checkpointDir,
    a: a as TenantLog,
    b: b as TenantLog,
    async drop() {
      await template.drop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
