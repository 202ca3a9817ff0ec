import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../../src/db/database.js'
import { LOCK_FILE } from '../../src/db/dir-lock.js'
import { openPglite } from '../../src/db/pglite.js'
import { createPgliteDatabase, type PgliteTestDatabase } from '../support/databases.js'
import { TENANT_A } from './rows.js'

const run = promisify(execFile)
const TSX = createRequire(import.meta.url).resolve('tsx')
const CHILD = join(import.meta.dirname, 'fixtures', 'commit-then-die.ts')

describe('a PGlite data directory', () => {
  let t: PgliteTestDatabase

  beforeAll(async () => {
    t = await createPgliteDatabase()
  })
  afterAll(() => t?.drop())

  it('cannot be opened twice in one process', async () => {
    await expect(openPglite(t.dir)).rejects.toMatchObject({
      code: 'DATA_DIR_LOCKED',
      message: expect.stringContaining('already open in this process'),
    })
  })

  it('keeps a committed event when the process that wrote it is killed', async () => {
    await t.db.close() // the child takes the directory over
    const child = await run(process.execPath, ['--import', TSX, CHILD, t.dir, TENANT_A]).catch(
      (error: { stdout: string; signal: string }) => error,
    )
    expect(child).toMatchObject({ stdout: 'committed\n', signal: 'SIGKILL' })
    expect(existsSync(join(t.dir, LOCK_FILE))).toBe(true) // left behind by the dead process

    let reopened: Database | undefined
    try {
      reopened = await openPglite(t.dir) // takes over the stale lock, recovers the WAL
      const rows = await reopened.tenantTransaction('reader', TENANT_A, (sql) =>
        sql.query<{ seq: number }>('SELECT seq FROM auditseal.audit_events'),
      )
      expect(rows).toEqual([{ seq: 0 }])
    } finally {
      await reopened?.close()
    }
    expect(existsSync(join(t.dir, LOCK_FILE))).toBe(false)
  })
})
