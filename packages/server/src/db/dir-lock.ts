import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { hostname } from 'node:os'
import { join, resolve } from 'node:path'
import { DbError } from './errors.js'

/** The lock file inside a PGlite data directory. */
export const LOCK_FILE = 'auditseal.lock'

interface LockOwner {
  pid: number
  host: string
  since: string
}

/** Directories this process holds: a second open in the same process is refused too. */
const heldHere = new Set<string>()

/**
 * lockDirectory makes `dir` (creating it) this process's alone until `release()`. PGlite
 * itself lets two processes open one directory and corrupt it; this lock file, holding the
 * owner's pid and host, refuses the second. A lock whose process is gone (on this host) is
 * taken over; one from another host is never guessed at.
 */
export function lockDirectory(dir: string): { release(): void } {
  const root = resolve(dir)
  if (heldHere.has(root)) {
    throw new DbError('DATA_DIR_LOCKED', `data directory ${root} is already open in this process`)
  }
  mkdirSync(root, { recursive: true })
  const path = join(root, LOCK_FILE)
  const me: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() }
  if (!tryCreate(path, me)) {
    const owner = readOwner(path)
    if (owner !== undefined && !isStale(owner)) {
      throw new DbError(
        'DATA_DIR_LOCKED',
        `data directory ${root} is in use by process ${owner.pid} on ${owner.host} since ` +
          `${owner.since}; stop it first (or, if it is surely gone, delete ${path})`,
      )
    }
    rmSync(path, { force: true })
    if (!tryCreate(path, me)) {
      throw new DbError(
        'DATA_DIR_LOCKED',
        `data directory ${root} was locked just now by another process`,
      )
    }
  }
  heldHere.add(root)
  return {
    release() {
      if (!heldHere.delete(root)) return
      if (readOwner(path)?.pid === me.pid) rmSync(path, { force: true })
    },
  }
}

function tryCreate(path: string, owner: LockOwner): boolean {
  let fd: number
  try {
    fd = openSync(path, 'wx')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  }
  try {
    writeSync(fd, `${JSON.stringify(owner)}\n`)
  } finally {
    closeSync(fd)
  }
  return true
}

function readOwner(path: string): LockOwner | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string') {
      return { pid: parsed.pid, host: parsed.host, since: String(parsed.since) }
    }
  } catch {
    // unreadable or half-written: treated as stale below
  }
  return undefined
}

/**
 * isStale: the owner was on this host and its process is gone — or it carried our own pid
 * (a restarted container reuses pid 1), which cannot be a live holder since we hold nothing.
 */
function isStale(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return false
  if (owner.pid === process.pid) return true
  try {
    process.kill(owner.pid, 0)
    return false
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH'
  }
}
