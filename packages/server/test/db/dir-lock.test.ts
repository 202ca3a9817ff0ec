import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LOCK_FILE, lockDirectory } from '../../src/db/dir-lock.js'

describe('lockDirectory', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'auditseal-lock-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  const writeOwner = (owner: object) => writeFileSync(join(dir, LOCK_FILE), JSON.stringify(owner))

  it('writes this process as the owner and removes the file on release', () => {
    const lock = lockDirectory(dir)
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({
      pid: process.pid,
      host: hostname(),
    })
    lock.release()
    lock.release() // harmless
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false)
  })

  it('refuses a second lock in the same process until the first is released', () => {
    const lock = lockDirectory(dir)
    expect(() => lockDirectory(dir)).toThrow(/already open in this process/)
    lock.release()
    lockDirectory(dir).release()
  })

  it('refuses a directory held by a live process, naming it', () => {
    writeOwner({ pid: process.ppid, host: hostname(), since: '2026-01-01T00:00:00.000Z' })
    expect(() => lockDirectory(dir)).toThrow(
      expect.objectContaining({
        code: 'DATA_DIR_LOCKED',
        message: expect.stringContaining(`in use by process ${process.ppid}`),
      }),
    )
  })

  it('refuses a directory held from another host: liveness cannot be checked there', () => {
    writeOwner({ pid: 1, host: `${hostname()}-elsewhere`, since: 'x' })
    expect(() => lockDirectory(dir)).toThrow(/in use by process 1 on/)
  })

  it('takes over the lock of a process that is gone', () => {
    const gone = spawnSync(process.execPath, ['-e', '']).pid
    writeOwner({ pid: gone, host: hostname(), since: 'x' })
    const lock = lockDirectory(dir)
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid)
    lock.release()
  })

  it('takes over a lock that carries this very pid (a restarted container’s pid 1)', () => {
    writeOwner({ pid: process.pid, host: hostname(), since: 'x' })
    lockDirectory(dir).release()
  })
})
