// One process per spool. Two writers appending to the same segments would interleave
// records, and two senders would deliver the same records twice and delete each other's
// segments, so the spool directory holds a LOCK file naming its owner. A lock left by a dead
// process (SIGKILL, crash, power loss) is taken over; a live owner's lock is refused with an
// error that says who holds it.
//
// A pid alone does not name a process for long: after a reboot, or in a container where the
// application is always pid 1, the next process may get the very pid in the stale lock. So
// the lock also records the kernel's boot id and the process's start time (Linux /proc): a
// lock with our pid, boot id and start time is held by this very process — by another logger
// here, or by one in another worker thread — and is refused like any live owner's.
//
// Taking over a stale lock is serialised by a second file, LOCK.takeover, created
// exclusively: its holder re-reads LOCK and, only if it still is the stale lock, replaces it by
// renaming a complete new lock file over it. LOCK never goes missing during a takeover, so no
// other process can create one meanwhile, and two processes that judged the same lock stale
// cannot both take it over: the second finds a new owner and judges that one.

import { randomBytes } from 'node:crypto'
import {
  closeSync,
  fsyncSync,
  linkSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import { hostname } from 'node:os'
import { join, resolve } from 'node:path'
import { SpoolLockedError } from '../errors.js'

export const LOCK_FILE = 'LOCK'
const TAKEOVER_SUFFIX = '.takeover'

/** A lock file younger than this with no readable owner may be one being written right now. */
const UNREADABLE_GRACE_MS = 2_000
const ATTEMPTS = 20
const RETRY_MS = 50

interface Owner {
  pid: number
  host: string
  started_at: string
  /** /proc/sys/kernel/random/boot_id: changes at every boot. */
  boot_id?: string
  /** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot. */
  proc_start?: string
}

/**
 * The spool directories (real paths) this module instance holds locks on: where /proc cannot
 * tell a live lock of this process from a stale one with the same pid, this at least covers
 * two loggers that share this module.
 */
const held = new Set<string>()

export interface SpoolLock {
  /** Removes the lock file if it is still this process's. */
  release(): void
}

/** Takes the spool's lock, or throws SpoolLockedError naming the live owner. */
export function acquireSpoolLock(dir: string): SpoolLock {
  const key = realpathSync(resolve(dir))
  const path = join(dir, LOCK_FILE)
  const me: Owner = {
    pid: process.pid,
    host: hostname(),
    started_at: new Date().toISOString(),
    boot_id: bootId(),
    proc_start: processStart(process.pid),
  }
  const mine = `${JSON.stringify(me)}\n`
  const taken = (): SpoolLock => {
    held.add(key)
    return {
      release: () => {
        held.delete(key)
        releaseIfMine(path, mine)
      },
    }
  }
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    if (createExclusive(path, mine)) return taken()
    const seen = readText(path)
    if (seen === undefined) continue // removed meanwhile: try again at once
    const owner = parseOwner(seen)
    if (owner === undefined) {
      if (ageMs(path) < UNREADABLE_GRACE_MS) {
        sleepSync(RETRY_MS) // its owner may be between creating and writing it
        continue
      }
    } else {
      refuseLiveOwner(dir, key, path, owner)
    }
    if (takeOverStale(path, seen, mine)) return taken()
  }
  throw gaveUp(dir, path)
}

/**
 * The error once every attempt failed. A LOCK.takeover written on another host may be a
 * takeover under way there, so it was waited for like a live one; still there now, it is most
 * likely left by a process that died, which this host cannot tell: the error names it, for
 * someone who can to delete.
 */
function gaveUp(dir: string, path: string): SpoolLockedError {
  const mutex = `${path}${TAKEOVER_SUFFIX}`
  const text = readText(mutex)
  const owner = text === undefined ? undefined : parseOwner(text)
  if (owner !== undefined && liveness(owner, undefined) === 'unknown') {
    return new SpoolLockedError(
      `could not lock the spool ${dir}: ${mutex} was left by process ${owner.pid} on host ` +
        `${owner.host} (started ${owner.started_at}) while taking over a stale lock; this host ` +
        `cannot tell whether it still runs. Delete ${mutex} only if that process is gone.`,
      owner.pid,
    )
  }
  return new SpoolLockedError(
    `could not lock the spool ${dir}: its LOCK file kept changing (another process starting on the same spool?)`,
    -1,
  )
}

/** What a lock's owner is now. */
type Liveness = 'this process' | 'alive' | 'unknown' | 'gone'

/** Whether the process that wrote `owner` still runs; `key` is the spool's real path. */
function liveness(owner: Owner, key: string | undefined): Liveness {
  if (owner.host !== hostname()) return 'unknown'
  const boot = bootId()
  if (owner.boot_id !== undefined && boot !== undefined && owner.boot_id !== boot) return 'gone' // rebooted
  if (owner.pid === process.pid) {
    const start = processStart(process.pid)
    if (owner.proc_start !== undefined && start !== undefined) {
      // Another start time: an earlier process that had this pid (a container's pid 1).
      return owner.proc_start === start ? 'this process' : 'gone'
    }
    return key !== undefined && held.has(key) ? 'this process' : 'gone'
  }
  if (!isAlive(owner.pid)) return 'gone'
  const start = processStart(owner.pid)
  if (owner.proc_start !== undefined && start !== undefined && owner.proc_start !== start)
    return 'gone' // pid reused
  return 'alive'
}

function refuseLiveOwner(dir: string, key: string, path: string, owner: Owner): void {
  const since = `since ${owner.started_at}`
  switch (liveness(owner, key)) {
    case 'gone':
      return
    case 'unknown':
      throw new SpoolLockedError(
        `the spool ${dir} is locked by process ${owner.pid} on host ${owner.host} (${since}); ` +
          `this host cannot tell whether it still runs. Give each process its own spoolDir; ` +
          `delete ${path} only if that process is gone.`,
        owner.pid,
      )
    case 'this process':
      throw new SpoolLockedError(
        `the spool ${dir} is already open in this process (${since}), by another logger or in ` +
          `another worker thread: use one logger per spool directory, or close() the other one first`,
        owner.pid,
      )
    case 'alive':
      throw new SpoolLockedError(
        `the spool ${dir} is in use by process ${owner.pid} (${since}); two processes must not ` +
          `share a spool: give each its own spoolDir`,
        owner.pid,
      )
  }
}

/**
 * Replaces the stale lock `seen` with `mine`, holding LOCK.takeover meanwhile (see the top of
 * this file). False if LOCK changed since it was judged, or another takeover is under way:
 * the caller looks again.
 */
function takeOverStale(path: string, seen: string, mine: string): boolean {
  const mutex = `${path}${TAKEOVER_SUFFIX}`
  if (!createExclusive(mutex, mine)) {
    clearStaleTakeover(mutex)
    return false
  }
  try {
    if (readText(path) !== seen) return false
    const fresh = `${path}.new-${process.pid}-${randomBytes(4).toString('hex')}`
    if (!createExclusive(fresh, mine)) return false // a name this process just drew: never taken
    try {
      renameSync(fresh, path) // atomic: LOCK is the stale lock, then ours
    } catch (error) {
      removeQuietly(fresh)
      throw error
    }
    return readText(path) === mine
  } finally {
    releaseIfMine(mutex, mine)
  }
}

/**
 * Another process holds LOCK.takeover for a few system calls; if it died holding it, the file
 * is moved aside and removed, unless what was moved is not the file judged (put back then).
 * One from another host ('unknown') is never removed here: see gaveUp.
 */
function clearStaleTakeover(mutex: string): void {
  const seen = readText(mutex)
  if (seen === undefined) return
  const owner = parseOwner(seen)
  const stale =
    owner === undefined
      ? ageMs(mutex) >= UNREADABLE_GRACE_MS
      : liveness(owner, undefined) === 'gone'
  if (!stale) {
    sleepSync(RETRY_MS)
    return
  }
  const aside = `${mutex}.stale-${process.pid}-${randomBytes(4).toString('hex')}`
  try {
    renameSync(mutex, aside)
  } catch (error) {
    if (code(error) === 'ENOENT') return
    throw error
  }
  if (readText(aside) !== seen) {
    try {
      linkSync(aside, mutex) // put it back unless yet another one exists by now
    } catch {
      // a newer one is in place: that one wins
    }
  }
  removeQuietly(aside)
}

function createExclusive(path: string, content: string): boolean {
  let fd: number
  try {
    fd = openSync(path, 'wx', 0o600)
  } catch (error) {
    if (code(error) === 'EEXIST') return false
    throw error
  }
  try {
    writeSync(fd, content)
    fsyncSync(fd)
  } catch (error) {
    closeSync(fd)
    removeQuietly(path) // half written: not a lock anyone should have to wait for
    throw error
  }
  closeSync(fd)
  return true
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path)
  } catch {
    // already gone, or left for the next start to ignore
  }
}

function releaseIfMine(path: string, mine: string): void {
  if (readText(path) !== mine) return
  try {
    unlinkSync(path)
  } catch (error) {
    if (code(error) !== 'ENOENT') throw error
  }
}

/**
 * Whether a process with this pid runs on this host. A zombie (killed, not yet reaped by its
 * parent) counts as dead: it will never write again.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (error) {
    return code(error) === 'EPERM' // exists, owned by someone else
  }
  const stat = readOptional(`/proc/${pid}/stat`)
  // "pid (comm) S ...": the state follows the last ')' (comm may contain parentheses).
  return stat === undefined || stat[stat.lastIndexOf(')') + 2] !== 'Z'
}

function parseOwner(text: string): Owner | undefined {
  try {
    const value = JSON.parse(text) as Partial<Owner>
    if (!Number.isSafeInteger(value.pid) || typeof value.host !== 'string') return undefined
    const optional = (v: unknown) => (typeof v === 'string' ? v : undefined)
    return {
      pid: value.pid as number,
      host: value.host,
      started_at: String(value.started_at),
      boot_id: optional(value.boot_id),
      proc_start: optional(value.proc_start),
    }
  } catch {
    return undefined
  }
}

function bootId(): string | undefined {
  return readOptional('/proc/sys/kernel/random/boot_id')?.trim()
}

/** A process's start time from /proc (undefined where there is no /proc). */
function processStart(pid: number): string | undefined {
  const stat = readOptional(`/proc/${pid}/stat`)
  if (stat === undefined) return undefined
  // "pid (comm) state ppid ...": starttime is the 20th field after the command's ')'.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    if (code(error) === 'ENOENT') return undefined
    throw error
  }
}

/** A file's text, or undefined for any failure (/proc entries vanish with their process). */
function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs
  } catch {
    return Infinity
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

function code(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code
}
