// The group commit when the disk fails or stalls: a failed write or fdatasync is reported and
// tried again (nothing is lost, nothing is silent), a disk that does not keep up makes
// append() write the buffered records itself instead of growing memory without bound, and a
// logger whose disk keeps refusing reports what it can no longer take as an overflow.
// node:fs is wrapped so that a test can make one call fail or hang; the rest is the real one.
import { existsSync, fdatasync, statSync, write, writeSync } from 'node:fs'
import type * as NodeFs from 'node:fs'
import { uuidv7 } from '@auditseal/core'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { AuditOverflowError } from '../src/index.js'
import { createAuditLogger } from '../src/index.js'
import type { SpoolRecord } from '../src/spool/cursor.js'
import { segmentPath } from '../src/spool/position.js'
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
  }
  return { ...mocked, default: mocked }
})

afterEach(() => {
  vi.mocked(write).mockReset()
  vi.mocked(writeSync).mockReset()
  vi.mocked(fdatasync).mockReset()
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
      vi.mocked(write).mockImplementation(((...args: unknown[]) => {
        ;(args.at(-1) as (e: Error) => void)(ioError('ENOSPC'))
      }) as typeof write)
      vi.mocked(writeSync).mockImplementation(() => {
        throw ioError('ENOSPC')
      })
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
