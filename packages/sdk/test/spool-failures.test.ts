// The spool when the disk fails or stalls: a failed write or fdatasync is reported and tried
// again (nothing is lost, nothing is silent), a disk that does not keep up makes append()
// write the buffered records itself instead of growing memory without bound, a logger whose
// disk keeps refusing reports what it can no longer take as an overflow, a read that fails
// skips nothing, close() keeps what it cannot write, and a strict append that cannot be synced
// is taken back. node:fs and node:fs/promises are wrapped so that a test can make one call fail
// or hang, or act as another process would in between; the rest is the real one.
import {
  existsSync,
  fdatasync,
  fdatasyncSync,
  ftruncateSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  write,
  writeFileSync,
  writeSync,
} from 'node:fs'
import type * as NodeFs from 'node:fs'
import { open as openFile } from 'node:fs/promises'
import type * as NodeFsPromises from 'node:fs/promises'
import { spawnSync } from 'node:child_process'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { uuidv7 } from '@auditseal/core'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { AuditOverflowError } from '../src/index.js'
import { createAuditLogger } from '../src/index.js'
import type { SpoolRecord } from '../src/spool/cursor.js'
import { segmentPath } from '../src/spool/position.js'
import type { SpoolReader } from '../src/spool/reader.js'
import { Spool } from '../src/spool/spool.js'
import type { SpoolOptions } from '../src/spool/spool.js'
import { eventually, testEvent } from './support/events.js'
import { freePort } from '../../../test-support/free-port.js'
import { tempDir } from './support/temp.js'

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof NodeFs>()
  const mocked = {
    ...fs,
    write: vi.fn(fs.write),
    writeSync: vi.fn(fs.writeSync),
    fdatasync: vi.fn(fs.fdatasync),
    fdatasyncSync: vi.fn(fs.fdatasyncSync),
    ftruncateSync: vi.fn(fs.ftruncateSync),
    openSync: vi.fn(fs.openSync),
    readFileSync: vi.fn(fs.readFileSync),
    renameSync: vi.fn(fs.renameSync),
    linkSync: vi.fn(fs.linkSync),
    unlinkSync: vi.fn(fs.unlinkSync),
  }
  return { ...mocked, default: mocked }
})

vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof NodeFsPromises>()
  const mocked = { ...fs, open: vi.fn(fs.open) }
  return { ...mocked, default: mocked }
})

const wrapped = [
  write,
  writeSync,
  fdatasync,
  fdatasyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  renameSync,
  linkSync,
  unlinkSync,
  openFile,
]

afterEach(() => {
  for (const fn of wrapped) vi.mocked(fn).mockReset()
})

function open(dir: string, errors: unknown[], options: Partial<SpoolOptions> = {}): Spool {
  return Spool.open({
    dir,
    durability: 'group',
    syncIntervalMs: 2,
    segmentBytes: 16 << 20,
    onSync: () => {},
    onReadable: () => {},
    onCorrupt: (region) => {
      throw new Error(`unexpected damage: ${JSON.stringify(region)}`)
    },
    onError: (error) => errors.push(error),
    ...options,
  })
}

function append(spool: Spool, count: number, from = 0): void {
  for (let n = from; n < from + count; n++) {
    const id = uuidv7()
    spool.append(id, JSON.stringify({ id, n, pad: 'x'.repeat(200) }), Date.now())
  }
}

async function readNumbers(spool: Spool): Promise<number[]> {
  const reader = spool.openReader()
  const all: SpoolRecord[] = []
  for (let batch = await reader.read(100, 1 << 20); batch.length > 0;) {
    all.push(...batch)
    batch = await reader.read(100, 1 << 20)
  }
  await reader.close()
  return all.map((r) => (JSON.parse(r.payload.toString()) as { n: number }).n)
}

const ioError = (code: string) => Object.assign(new Error(`${code}: simulated`), { code })

/** From now on every write fails as on a full disk, in the background and in log() alike. */
function failEveryWrite(): void {
  vi.mocked(write).mockImplementation(((...args: unknown[]) => {
    ;(args.at(-1) as (e: Error) => void)(ioError('ENOSPC'))
  }) as typeof write)
  vi.mocked(writeSync).mockImplementation(() => {
    throw ioError('ENOSPC')
  })
}

describe('the group commit on a failing disk', () => {
  it('reports a failed fdatasync and retries it until synced', async () => {
    const real = vi.mocked(fdatasync).getMockImplementation()
    let failures = 2
    vi.mocked(fdatasync).mockImplementation(((fd: number, done: (e: Error | null) => void) => {
      if (failures-- > 0) done(ioError('EIO'))
      else (real as typeof fdatasync)(fd, done)
    }) as typeof fdatasync)

    const errors: unknown[] = []
    const spool = open(tempDir(), errors)
    append(spool, 50)
    await vi.waitFor(() => expect(spool.synced).toBe(50), { timeout: 5_000 })
    expect(errors).toHaveLength(2)
    expect(String(errors[0])).toMatch(/EIO/)
    expect(vi.mocked(write).mock.calls.length).toBe(1) // written once; the sync is what failed
    expect(await readNumbers(spool)).toEqual([...Array(50).keys()])
    await spool.close()
  })

  it('reports a failed write and retries it; readers see the records once written', async () => {
    const real = vi.mocked(write).getMockImplementation() as typeof write
    let failures = 1
    vi.mocked(write).mockImplementation(((...args: unknown[]) => {
      const done = args.at(-1) as (e: Error | null, n?: number) => void
      if (failures-- > 0) done(ioError('ENOSPC'))
      else (real as (...a: unknown[]) => void)(...args)
    }) as typeof write)

    const errors: unknown[] = []
    const spool = open(tempDir(), errors)
    append(spool, 20)
    await vi.waitFor(() => expect(spool.synced).toBe(20), { timeout: 5_000 })
    expect(errors.map(String)).toEqual([expect.stringMatching(/ENOSPC/)])
    expect(spool.readable).toBe(20)
    expect(await readNumbers(spool)).toEqual([...Array(20).keys()])
    await spool.close()
  })

  it('makes sync() reject while the disk fails, and resolve once it works again', async () => {
    const real = vi.mocked(fdatasync).getMockImplementation() as typeof fdatasync
    let failing = true
    vi.mocked(fdatasync).mockImplementation(((fd: number, done: (e: Error | null) => void) => {
      if (failing) done(ioError('EIO'))
      else real(fd, done)
    }) as typeof fdatasync)
    const errors: unknown[] = []
    const spool = open(tempDir(), errors, { syncIntervalMs: 60_000 })
    append(spool, 5)
    await expect(spool.sync()).rejects.toThrow(/EIO/)
    expect(spool.synced).toBe(0)
    failing = false
    await spool.sync()
    expect(spool.synced).toBe(5)
    await spool.close()
  })
})

describe('a rotation on a failing disk', () => {
  it('leaves no half-made segment behind, so the next rotation succeeds', async () => {
    const dir = tempDir()
    const errors: unknown[] = []
    const spool = open(dir, errors, { segmentBytes: 4096 })
    const next = segmentPath(dir, spool.firstSessionSegment + 1)
    const realWriteSync = vi.mocked(writeSync).getMockImplementation() as typeof writeSync
    vi.mocked(writeSync).mockImplementation(() => {
      throw ioError('ENOSPC') // the new segment's header cannot be written
    })
    append(spool, 20) // ~5 KB: past segmentBytes, so every append from there tries to rotate
    expect(errors.length).toBeGreaterThan(0)
    expect(errors.map(String)).toEqual(errors.map(() => expect.stringMatching(/ENOSPC/)))
    expect(existsSync(next)).toBe(false)

    vi.mocked(writeSync).mockImplementation(realWriteSync)
    errors.length = 0
    append(spool, 1, 20) // rotates now
    expect(errors).toEqual([])
    expect(existsSync(next)).toBe(true)
    await spool.sync()
    expect(await readNumbers(spool)).toEqual([...Array(21).keys()])
    await spool.close()
  })
})

describe('the group commit on a stalled disk', () => {
  it('makes append() write the buffered records itself beyond maxBufferedBytes', async () => {
    const real = vi.mocked(write).getMockImplementation() as typeof write
    // Background writes hang until released, as on a disk that stopped answering.
    const held: unknown[][] = []
    vi.mocked(write).mockImplementation(((...args: unknown[]) => {
      held.push(args)
    }) as typeof write)

    const dir = tempDir()
    const errors: unknown[] = []
    const spool = open(dir, errors, { maxBufferedBytes: 8 * 1024, syncIntervalMs: 1 })
    const path = segmentPath(dir, spool.firstSessionSegment)
    append(spool, 10) // ~2.5 KB: buffered
    await new Promise((resolve) => setTimeout(resolve, 20)) // a commit started, and hangs
    expect(held.length).toBe(1)
    expect(statSync(path).size).toBeLessThan(spool.writePosition.offset)
    append(spool, 100, 10) // ~25 KB: over the bound, so append() writes
    // In the file now, without the stalled commit: all but what came after the last write.
    const inFile = statSync(path).size
    expect(inFile).toBeGreaterThan(spool.writePosition.offset - 9 * 1024)
    expect(spool.readable).toBeGreaterThan(70)

    for (const args of held.splice(0)) (real as (...a: unknown[]) => void)(...args)
    vi.mocked(write).mockImplementation(real)
    await spool.sync()
    expect(await readNumbers(spool)).toEqual([...Array(110).keys()])
    expect(errors).toEqual([])
    await spool.close()
  })
})

describe('a logger on a disk that keeps refusing', () => {
  it('reports each event it can no longer take as an overflow (io), and keeps the ones it took', async () => {
    const audit = createAuditLogger({
      url: `http://127.0.0.1:${await freePort()}`, // nothing listens: the spool only grows
      apiKey: 'ask_test_key',
      spoolDir: tempDir(),
      retry: { initialDelayMs: 1_000, maxDelayMs: 1_000 },
      logger: false,
    })
    const overflows: AuditOverflowError[] = []
    audit.on('overflow', (error) => overflows.push(error))
    audit.on('error', () => {}) // the failed writes, reported as they happen
    try {
      // From now on every write fails, in the background and in log() alike.
      const realWrite = vi.mocked(write).getMockImplementation() as typeof write
      const realWriteSync = vi.mocked(writeSync).getMockImplementation() as typeof writeSync
      failEveryWrite()
      let attempted = 0
      // Memory holds 16 MiB of records (~50,000 of these) before log() writes them itself.
      while (overflows.length < 3 && attempted < 200_000) {
        audit.log(testEvent(attempted++))
        if (attempted % 1000 === 0) await new Promise((resolve) => setImmediate(resolve))
      }
      expect(overflows.map((e) => [e.code, e.reason])).toEqual([
        ['SPOOL_FULL', 'io'],
        ['SPOOL_FULL', 'io'],
        ['SPOOL_FULL', 'io'],
      ])
      expect(String(overflows[0]?.cause)).toMatch(/ENOSPC/)
      const taken = attempted - 3
      expect(audit.stats()).toMatchObject({ overflowed: 3, logged: taken, synced: 0 })

      // The disk recovers: every event log() took is written and synced, none of the others.
      vi.mocked(write).mockImplementation(realWrite)
      vi.mocked(writeSync).mockImplementation(realWriteSync)
      await eventually(() => audit.stats().synced === taken, 10_000, 'the spool synced')
      expect(audit.stats()).toMatchObject({ logged: taken, spooled: taken, overflowed: 3 })
    } finally {
      await audit.close({ timeoutMs: 0 })
    }
  })
})

describe('a read of the spool that fails', () => {
  /** A spool of 60 records over several segments, all written. */
  async function filled(): Promise<{ dir: string; spool: Spool }> {
    const dir = tempDir()
    const spool = open(dir, [], { segmentBytes: 4096, syncIntervalMs: 60_000 })
    append(spool, 60) // ~15 KB: four segments
    await spool.sync()
    return { dir, spool }
  }

  async function drain(reader: SpoolReader): Promise<number[]> {
    const all: SpoolRecord[] = []
    for (let batch = await reader.read(1000, 1 << 20); batch.length > 0;) {
      all.push(...batch)
      batch = await reader.read(1000, 1 << 20)
    }
    return all.map((r) => (JSON.parse(r.payload.toString()) as { n: number }).n)
  }

  /** Makes node:fs/promises' open hand out files whose read() fails as `fail` says. */
  function failReads(path: string, fail: (read: number) => boolean) {
    const real = vi.mocked(openFile).getMockImplementation() as typeof openFile
    const closed: string[] = []
    vi.mocked(openFile).mockImplementation(async (...args: Parameters<typeof openFile>) => {
      const handle = await real(...args)
      if (args[0] !== path) return handle
      const file = handle as unknown as Record<
        'read' | 'close',
        (...a: unknown[]) => Promise<unknown>
      >
      const [read, close] = [file.read.bind(handle), file.close.bind(handle)]
      let reads = 0
      file.read = (...a) => (fail(++reads) ? Promise.reject(ioError('EIO')) : read(...a))
      file.close = () => {
        closed.push(path)
        return close()
      }
      return handle
    })
    return closed
  }

  it('at a segment boundary (EMFILE) skips nothing: the next read starts where it began', async () => {
    const { dir, spool } = await filled()
    const second = segmentPath(dir, spool.firstSessionSegment + 1)
    const real = vi.mocked(openFile).getMockImplementation() as typeof openFile
    let failures = 1
    vi.mocked(openFile).mockImplementation((...args: Parameters<typeof openFile>) =>
      args[0] === second && failures-- > 0 ? Promise.reject(ioError('EMFILE')) : real(...args),
    )
    const reader = spool.openReader()
    const start = reader.position
    await expect(reader.read(1000, 1 << 20)).rejects.toThrow(/EMFILE/)
    expect(reader.position).toEqual(start)
    expect(await drain(reader)).toEqual([...Array(60).keys()])
    await reader.close()
    await spool.close()
  })

  it('in the middle of a segment (EIO) skips nothing either', async () => {
    const { dir, spool } = await filled()
    let failures = 1
    // The second read of the second segment: the records after its header.
    failReads(segmentPath(dir, spool.firstSessionSegment + 1), (n) => n === 2 && failures-- > 0)
    const reader = spool.openReader()
    await expect(reader.read(1000, 1 << 20)).rejects.toThrow(/EIO/)
    expect(await drain(reader)).toEqual([...Array(60).keys()])
    await reader.close()
    await spool.close()
  })

  it('reports damage it meets again after a failed read only once', async () => {
    const dir = tempDir()
    const corrupt: unknown[] = []
    const spool = open(dir, [], {
      segmentBytes: 4096,
      syncIntervalMs: 60_000,
      onCorrupt: (region) => corrupt.push(region),
    })
    append(spool, 60)
    await spool.sync()
    const first = segmentPath(dir, spool.firstSessionSegment)
    const bytes = readFileSync(first)
    bytes.writeUInt8(bytes.readUInt8(100) ^ 0xff, 100) // inside the first record
    writeFileSync(first, bytes)
    const second = segmentPath(dir, spool.firstSessionSegment + 1)
    const real = vi.mocked(openFile).getMockImplementation() as typeof openFile
    let failures = 1
    vi.mocked(openFile).mockImplementation((...args: Parameters<typeof openFile>) =>
      args[0] === second && failures-- > 0 ? Promise.reject(ioError('EMFILE')) : real(...args),
    )
    const reader = spool.openReader()
    await expect(reader.read(1000, 1 << 20)).rejects.toThrow(/EMFILE/)
    expect(corrupt).toHaveLength(1)
    expect(await drain(reader)).toEqual([...Array(60).keys()].slice(1))
    expect(corrupt).toHaveLength(1)
    await reader.close()
    await spool.close()
  })

  it('closes a segment whose header cannot be read', async () => {
    const { dir, spool } = await filled()
    const first = segmentPath(dir, spool.firstSessionSegment)
    let failures = 1
    const closed = failReads(first, (n) => n === 1 && failures-- > 0)
    const reader = spool.openReader()
    await expect(reader.read(1000, 1 << 20)).rejects.toThrow(/EIO/)
    expect(closed).toEqual([first])
    expect(await drain(reader)).toEqual([...Array(60).keys()])
    await reader.close()
    await spool.close()
  })
})

describe('close() on a disk that refuses the last write', () => {
  it('keeps the records it could not write, says how many, settles sync() and can be retried', async () => {
    const dir = tempDir()
    const errors: unknown[] = []
    const spool = open(dir, errors, { syncIntervalMs: 60_000 })
    const realFdatasync = vi.mocked(fdatasync).getMockImplementation() as typeof fdatasync
    const hung: (() => void)[] = []
    vi.mocked(fdatasync).mockImplementation(((fd: number, done: (e: Error | null) => void) => {
      hung.push(() => realFdatasync(fd, done)) // the disk stalls on the sync
    }) as typeof fdatasync)

    append(spool, 5)
    const first = spool.sync() // written, then its fdatasync hangs
    await vi.waitFor(() => expect(hung).toHaveLength(1), { timeout: 5_000 })
    append(spool, 5, 5)
    const second = spool.sync() // written; its sync waits for the one in progress
    let secondSettled = false
    second.catch(() => {}).finally(() => (secondSettled = true))
    await vi.waitFor(() => expect(spool.readable).toBe(10), { timeout: 5_000 })

    const closing = spool.close() // waits for the hung sync
    append(spool, 5, 10) // still taken: close() writes them
    vi.mocked(writeSync).mockImplementation(() => {
      throw ioError('ENOSPC')
    })
    for (const release of hung.splice(0)) release()

    await expect(closing).rejects.toThrow(/closing the spool: 5 record\(s\) could not be written/)
    await first
    await expect(second).rejects.toThrow(/5 record\(s\) could not be written/)
    expect(secondSettled).toBe(true)
    expect(() => open(dir, [])).toThrow(/already open in this process/) // still locked

    // The exit hook still covers them: at exit they are written (here the disk recovered).
    vi.mocked(writeSync).mockReset()
    const exitHook = process.listeners('exit').find((l) => l.name === 'writeAllBuffered')
    exitHook?.(0)
    expect(statSync(segmentPath(dir, spool.firstSessionSegment)).size).toBe(
      spool.writePosition.offset,
    )
    await spool.close() // again: now it works
    const again = open(dir, [])
    expect((await again.recovered).records).toBe(15)
    expect(await readNumbers(again)).toEqual([...Array(15).keys()])
    await again.close()
  })
})

describe('a group-mode logger whose disk refuses every write', () => {
  it('fails close() with SPOOL_IO, and counts what the exit cannot write as overflowed (io)', async () => {
    const lines: string[] = []
    const audit = createAuditLogger({
      url: `http://127.0.0.1:${await freePort()}`,
      apiKey: 'ask_test_key',
      spoolDir: tempDir(),
      logger: { warn: (line) => lines.push(line), error: (line) => lines.push(line) },
    })
    const overflows: AuditOverflowError[] = []
    audit.on('overflow', (error) => overflows.push(error))
    audit.on('error', () => {})
    await audit.ready
    const realWriteSync = vi.mocked(writeSync).getMockImplementation() as typeof writeSync
    failEveryWrite()
    for (let i = 0; i < 10; i++) audit.log(testEvent(i))
    await eventually(() => vi.mocked(write).mock.calls.length > 0, 5_000, 'a group commit')

    // Refused, not lost: the records stay in memory for close() again or the exit hook.
    await expect(audit.close({ timeoutMs: 0 })).rejects.toMatchObject({
      name: 'AuditSdkError',
      code: 'SPOOL_IO',
      message: expect.stringMatching(/10 record\(s\) could not be written \(ENOSPC/),
      cause: expect.objectContaining({ code: 'ENOSPC' }),
    })
    expect(audit.stats().overflowed).toBe(0)
    expect(overflows).toEqual([])

    // The process exits with the disk still full: now they are lost, and say so, once.
    const exitHook = process.listeners('exit').find((l) => l.name === 'writeAllBuffered')
    exitHook?.(0)
    expect(overflows.map((e) => [e.code, e.reason, e.events])).toEqual([['SPOOL_FULL', 'io', 10]])
    expect(String(overflows[0]?.cause)).toMatch(/ENOSPC/)
    expect(audit.stats().overflowed).toBe(10)
    expect(lines.join('\n')).toMatch(
      /10 audit events not recorded: writing to the spool failed: ENOSPC/,
    )

    vi.mocked(writeSync).mockImplementation(realWriteSync)
    vi.mocked(write).mockReset()
    await audit.close({ timeoutMs: 0 }) // releases the spool for the temp dir's removal
  })
})

describe('a spool whose first segment cannot be written at open', () => {
  it('is refused with SPOOL_IO naming spoolDir, and leaves the spool unlocked', () => {
    const dir = tempDir()
    vi.mocked(writeSync).mockImplementationOnce(() => {
      throw ioError('ENOSPC')
    })
    expect(() => open(dir, [])).toThrow(
      expect.objectContaining({
        code: 'SPOOL_IO',
        message: expect.stringContaining(`spoolDir ${JSON.stringify(dir)}`),
        cause: expect.objectContaining({ code: 'ENOSPC' }),
      }),
    )
    const again = open(dir, [])
    return again.close()
  })
})

describe('a strict append whose fdatasync fails', () => {
  it('is cut off the file again: not recorded, as the caller is told', async () => {
    const dir = tempDir()
    const spool = open(dir, [], { durability: 'strict' })
    append(spool, 3)
    const path = segmentPath(dir, spool.firstSessionSegment)
    const size = statSync(path).size
    vi.mocked(fdatasyncSync).mockImplementationOnce(() => {
      throw ioError('EIO')
    })
    expect(() => append(spool, 1, 3)).toThrow(/EIO/)
    expect(statSync(path).size).toBe(size)
    expect({ appended: spool.appended, readable: spool.readable }).toEqual({
      appended: 3,
      readable: 3,
    })
    append(spool, 1, 4)
    expect(await readNumbers(spool)).toEqual([0, 1, 2, 4])
    await spool.close()
  })

  it('stays recorded, reported as not synced, if it cannot be cut off', async () => {
    const dir = tempDir()
    const errors: unknown[] = []
    const spool = open(dir, errors, { durability: 'strict' })
    append(spool, 3)
    vi.mocked(fdatasyncSync).mockImplementationOnce(() => {
      throw ioError('EIO')
    })
    vi.mocked(ftruncateSync).mockImplementationOnce(() => {
      throw ioError('EIO')
    })
    append(spool, 1, 3) // does not throw: the event is recorded
    expect(errors.map(String)).toEqual([expect.stringMatching(/written but not synced.*EIO/)])
    expect(spool.appended).toBe(4)
    await vi.waitFor(() => expect(spool.synced).toBe(4), { timeout: 5_000 }) // synced again
    expect(await readNumbers(spool)).toEqual([0, 1, 2, 3])
    await spool.close()
  })
})

describe('taking over a stale lock while other processes start', () => {
  const owner = (pid: number, started_at: string) =>
    JSON.stringify({ pid, host: hostname(), started_at })

  it('never removes the lock a process took meanwhile', () => {
    const dir = tempDir()
    const lock = join(dir, 'LOCK')
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'])
    const stale = owner(Number(child.stdout.toString()), '2020-01-01T00:00:00.000Z')
    writeFileSync(lock, stale)
    // Two live processes (the test runner's parent stands in for both): A takes the stale lock
    // over between our judging it and our first step; C creates one whenever LOCK is missing.
    const theirs = owner(process.ppid, '2020-01-02T00:00:00.000Z')
    const third = owner(process.ppid, '2020-01-03T00:00:00.000Z')
    let judged = false
    let tookOver = false
    const others = () => {
      if (!judged) return
      if (!tookOver) {
        tookOver = true
        writeFileSync(lock, theirs)
      } else if (!existsSync(lock)) {
        writeFileSync(lock, third)
      }
    }
    const realRead = vi.mocked(readFileSync).getMockImplementation() as typeof readFileSync
    vi.mocked(readFileSync).mockImplementation(((path: string, ...rest: unknown[]) => {
      const text = (realRead as (...a: unknown[]) => unknown)(path, ...rest)
      if (path === lock && text === stale) judged = true
      return text
    }) as typeof readFileSync)
    for (const fn of [renameSync, linkSync, unlinkSync, openSync] as const) {
      const real = vi.mocked(fn).getMockImplementation() as (...a: unknown[]) => unknown
      vi.mocked(fn).mockImplementation(((...args: unknown[]) => {
        const [, flags] = args
        if (fn !== openSync || flags === 'wx') others()
        return real(...args)
      }) as never)
    }

    expect(() => open(dir, [])).toThrow(new RegExp(`in use by process ${process.ppid}`))
    expect(readFileSync(lock, 'utf8')).toBe(theirs)
  })
})

describe('log() while the logger closes', () => {
  it('is refused with LOGGER_CLOSED once the spool stops taking events, not as an overflow', async () => {
    // Background syncs fail, so close() itself syncs the events and says so (`sync`).
    vi.mocked(fdatasync).mockImplementation(((_fd: number, done: (e: Error | null) => void) =>
      done(ioError('EIO'))) as typeof fdatasync)
    const audit = createAuditLogger({
      url: `http://127.0.0.1:${await freePort()}`,
      apiKey: 'ask_test_key',
      spoolDir: tempDir(),
      logger: false,
    })
    audit.on('error', () => {})
    let refused: unknown
    audit.on('sync', () => {
      try {
        audit.log(testEvent(99))
      } catch (error) {
        refused = error
      }
    })
    for (let i = 0; i < 3; i++) audit.log(testEvent(i))
    await audit.close({ timeoutMs: 0 })
    expect(refused).toMatchObject({ code: 'LOGGER_CLOSED' })
    expect(audit.stats().overflowed).toBe(0)
    await expect(audit.flush()).rejects.toMatchObject({ code: 'LOGGER_CLOSED' })
  })
})
