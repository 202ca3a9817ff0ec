// Taking over a stale spool lock, and the LOCK.takeover file that serialises it, with real files
// and real processes: a takeover file left by a dead process is cleared, one held by a live
// process here is waited for, and one from another host, which this host cannot judge, is
// named in the error and left alone.
import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { SpoolLockedError } from '../src/errors.js'
import { acquireSpoolLock } from '../src/spool/lock.js'
import { tempDir } from './support/temp.js'

const BOOT_ID = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()

/** A lock file's text, as lock.ts writes it. */
function owner(pid: number, extra: Record<string, string> = {}): string {
  const fields = { pid, host: hostname(), started_at: '2020-01-01T00:00:00.000Z', boot_id: BOOT_ID }
  return `${JSON.stringify({ ...fields, ...extra })}\n`
}

/** Field 22 of /proc/<pid>/stat (starttime); the command in parentheses may hold spaces. */
function procStart(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] as string
}

/** The pid of a process that has exited and been reaped. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'])
  return Number(child.stdout.toString())
}

const children: ChildProcess[] = []

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL')
})

/** A sleeping node process and the owner text it would write. */
function sleeper(): { child: ChildProcess; text: string } {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 60_000)'], {
    stdio: 'ignore',
  })
  children.push(child)
  const pid = child.pid as number
  return { child, text: owner(pid, { proc_start: procStart(pid) }) }
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((done) => child.once('exit', done))
  child.kill('SIGKILL')
  await exited // reaped: its pid no longer names a process
}

const lockFiles = (dir: string) => readdirSync(dir).filter((name) => name.startsWith('LOCK'))

/** Takes the lock of `dir`: this process's now, and no other lock file is left beside it. */
function expectTakenOver(dir: string): void {
  const lock = acquireSpoolLock(dir)
  expect(JSON.parse(readFileSync(join(dir, 'LOCK'), 'utf8')).pid).toBe(process.pid)
  expect(lockFiles(dir)).toEqual(['LOCK'])
  lock.release()
}

describe('acquireSpoolLock', () => {
  it('takes over the LOCK of a dead process and leaves no takeover files behind', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'LOCK'), owner(deadPid()))

    const lock = acquireSpoolLock(dir)

    const now = JSON.parse(readFileSync(join(dir, 'LOCK'), 'utf8')) as Record<string, unknown>
    expect(now).toMatchObject({
      pid: process.pid,
      host: hostname(),
      boot_id: BOOT_ID,
      proc_start: procStart(process.pid),
    })
    expect(lockFiles(dir)).toEqual(['LOCK'])
    lock.release()
    expect(lockFiles(dir)).toEqual([])
  })

  describe('when a LOCK.takeover is in the way of a stale LOCK', () => {
    it('clears one left by a process here that was killed holding it', async () => {
      const dir = tempDir()
      const { child, text } = sleeper()
      writeFileSync(join(dir, 'LOCK'), owner(deadPid()))
      writeFileSync(join(dir, 'LOCK.takeover'), text)
      await kill(child)

      expectTakenOver(dir)
    })

    it('clears an unreadable one older than the grace period', () => {
      const dir = tempDir()
      writeFileSync(join(dir, 'LOCK'), owner(deadPid()))
      const mutex = join(dir, 'LOCK.takeover')
      writeFileSync(mutex, '')
      const old = new Date(Date.now() - 10_000)
      utimesSync(mutex, old, old)

      expectTakenOver(dir)
    })

    it('waits for an unreadable one that may be being written right now', () => {
      const dir = tempDir()
      const stale = owner(deadPid())
      writeFileSync(join(dir, 'LOCK'), stale)
      writeFileSync(join(dir, 'LOCK.takeover'), '')
      // Dated a minute ahead, so that it stays "just written" for however long the retries
      // take on a busy machine (the grace period is 2 s; they take about 1).
      const soon = new Date(Date.now() + 60_000)
      utimesSync(join(dir, 'LOCK.takeover'), soon, soon)

      expect(() => acquireSpoolLock(dir)).toThrow(/kept changing/)

      expect(readFileSync(join(dir, 'LOCK.takeover'), 'utf8')).toBe('')
      expect(readFileSync(join(dir, 'LOCK'), 'utf8')).toBe(stale)
      expect(lockFiles(dir)).toEqual(['LOCK', 'LOCK.takeover'])
    })

    it('does not steal one held by a live process here', () => {
      const dir = tempDir()
      const stale = owner(deadPid())
      const { text } = sleeper()
      writeFileSync(join(dir, 'LOCK'), stale)
      writeFileSync(join(dir, 'LOCK.takeover'), text)

      expect(() => acquireSpoolLock(dir)).toThrow(/kept changing/)

      expect(readFileSync(join(dir, 'LOCK.takeover'), 'utf8')).toBe(text)
      expect(readFileSync(join(dir, 'LOCK'), 'utf8')).toBe(stale)
      expect(lockFiles(dir)).toEqual(['LOCK', 'LOCK.takeover'])
    })

    it('names one written on another host, which this host cannot judge, and leaves it', () => {
      const dir = tempDir()
      const stale = owner(deadPid())
      const elsewhere = `${hostname()}-elsewhere`
      const theirs = owner(4711, { host: elsewhere, boot_id: 'another-machine', proc_start: '1' })
      const mutex = join(dir, 'LOCK.takeover')
      writeFileSync(join(dir, 'LOCK'), stale)
      writeFileSync(mutex, theirs)

      let error: unknown
      try {
        acquireSpoolLock(dir)
      } catch (thrown) {
        error = thrown
      }

      expect(error).toBeInstanceOf(SpoolLockedError)
      expect((error as SpoolLockedError).ownerPid).toBe(4711)
      expect((error as Error).message).toBe(
        `could not lock the spool ${dir}: ${mutex} was left by process 4711 on host ${elsewhere} ` +
          `(started 2020-01-01T00:00:00.000Z) while taking over a stale lock; this host cannot ` +
          `tell whether it still runs. Delete ${mutex} only if that process is gone.`,
      )
      expect(readFileSync(mutex, 'utf8')).toBe(theirs)
      expect(readFileSync(join(dir, 'LOCK'), 'utf8')).toBe(stale)
      expect(lockFiles(dir)).toEqual(['LOCK', 'LOCK.takeover'])
    })
  })
})
