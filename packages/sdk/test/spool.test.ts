import { spawnSync } from 'node:child_process'
import {
  existsSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs'
import { hostname } from 'node:os'
import { join, relative } from 'node:path'
import { uuidv7 } from '@auditseal/core'
import { fileURLToPath } from 'node:url'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { SpoolLockedError } from '../src/errors.js'
import type { CorruptRegion, SpoolRecord } from '../src/spool/cursor.js'
import { FRAME_HEADER_BYTES, SEGMENT_HEADER_BYTES } from '../src/spool/frame.js'
import { listSegments, segmentPath } from '../src/spool/position.js'
import { Spool } from '../src/spool/spool.js'
import type { SpoolOptions } from '../src/spool/spool.js'
import type { Durability } from '../src/spool/writer.js'
import { tempDir } from './support/temp.js'

const EXIT_FIXTURE = fileURLToPath(new URL('./fixtures/exit-without-close.ts', import.meta.url))
const LOCK_IN_WORKER_FIXTURE = fileURLToPath(
  new URL('./fixtures/lock-in-worker.ts', import.meta.url),
)
const TSCONFIG = fileURLToPath(new URL('../../../tsconfig.tests.json', import.meta.url))

interface Opened {
  spool: Spool
  corrupt: CorruptRegion[]
  syncs: number[]
}

/** The durability of the spools `open` makes, unless told otherwise (see describe.each). */
let durability: Durability = 'group'

function open(dir: string, options: Partial<SpoolOptions> = {}): Opened {
  const corrupt: CorruptRegion[] = []
  const syncs: number[] = []
  const spool = Spool.open({
    dir,
    durability,
    syncIntervalMs: 2,
    segmentBytes: 64 * 1024,
    onSync: (n) => syncs.push(n),
    onReadable: () => {},
    onCorrupt: (region) => corrupt.push(region),
    onError: (error) => {
      throw error
    },
    ...options,
  })
  return { spool, corrupt, syncs }
}

function append(spool: Spool, count: number, from = 0): string[] {
  const ids: string[] = []
  for (let i = from; i < from + count; i++) {
    const id = uuidv7()
    spool.append(id, JSON.stringify({ id, n: i, pad: 'x'.repeat(200) }), Date.now())
    ids.push(id)
  }
  return ids
}

/** Reads everything appended so far (written by a group commit first), in batches of up to 100. */
async function readAll(spool: Spool): Promise<SpoolRecord[]> {
  await spool.sync()
  const reader = spool.openReader()
  const all: SpoolRecord[] = []
  for (;;) {
    const batch = await reader.read(100, 1 << 20)
    if (batch.length === 0) break
    all.push(...batch)
  }
  await reader.close()
  return all
}

const numbers = (records: SpoolRecord[]) =>
  records.map((r) => (JSON.parse(r.payload.toString()) as { n: number }).n)

describe.each(['group', 'process'] as const)('the spool (durability %s)', (mode) => {
  beforeEach(() => {
    durability = mode
  })

  it('reads back what was appended, in order, with ids and payloads', async () => {
    const { spool } = open(tempDir())
    const ids = append(spool, 50)
    const records = await readAll(spool)
    expect(records.map((r) => r.id)).toEqual(ids)
    expect(numbers(records)).toEqual([...Array(50).keys()])
    expect(records[0]?.loggedAt).toBeGreaterThan(Date.now() - 10_000)
    await spool.close()
  })

  it('group-commits: appends become synced within a few intervals', async () => {
    const { spool, syncs } = open(tempDir(), { syncIntervalMs: 5 })
    append(spool, 10)
    expect(spool.synced).toBeLessThan(10) // log() did not wait for the disk
    // The group commit syncs on the thread pool, which a busy machine can keep waiting.
    await vi.waitFor(() => expect(spool.synced).toBe(10), { timeout: 10_000 })
    expect(syncs.at(-1)).toBe(10)
    await spool.close()
  })

  it('in strict mode, syncs each record before append returns', async () => {
    const { spool } = open(tempDir(), { durability: 'strict' })
    append(spool, 3)
    expect(spool.synced).toBe(3)
    await spool.close()
  })

  it('rotates segments at segmentBytes and reads across them', async () => {
    const dir = tempDir()
    const { spool } = open(dir)
    append(spool, 1000) // ~300 KB: several 64 KiB segments
    expect(listSegments(dir).length).toBeGreaterThan(3)
    const records = await readAll(spool)
    expect(numbers(records)).toEqual([...Array(1000).keys()])
    await spool.close()
  })

  it('deletes segments once acknowledged and counts only live bytes', async () => {
    const dir = tempDir()
    const { spool } = open(dir)
    append(spool, 1000)
    const before = spool.bytes
    const records = await readAll(spool)
    const middle = records[600] as SpoolRecord
    spool.acknowledge({ segment: middle.segment, offset: middle.offset })
    // deletion is asynchronous
    await vi.waitFor(() => expect(listSegments(dir)[0]).toBe(middle.segment), { timeout: 10_000 })
    expect(spool.bytes).toBeLessThan(before)
    const last = records.at(-1) as SpoolRecord
    spool.acknowledge({ segment: last.segment, offset: last.end })
    expect(spool.watermark).toEqual(spool.writePosition)
    await spool.close()
  })

  it('after a restart, resends only what was not acknowledged', async () => {
    const dir = tempDir()
    const first = open(dir)
    append(first.spool, 300)
    const records = await readAll(first.spool)
    const acked = records[199] as SpoolRecord
    first.spool.acknowledge({ segment: acked.segment, offset: acked.end })
    await first.spool.close()

    const second = open(dir)
    expect((await second.spool.recovered).records).toBe(100)
    expect(numbers(await readAll(second.spool))).toEqual([...Array(100).keys()].map((i) => i + 200))
    await second.spool.close()
  })

  it('skips and counts a record torn at the end of a segment', async () => {
    const dir = tempDir()
    const first = open(dir)
    append(first.spool, 20)
    await first.spool.close()
    const [segment] = listSegments(dir)
    const path = segmentPath(dir, segment as number)
    truncateSync(path, statSync(path).size - 50) // the last record lost its tail

    const second = open(dir)
    expect((await second.spool.recovered).records).toBe(19)
    expect(second.corrupt).toHaveLength(1)
    expect(second.corrupt[0]?.bytes).toBeGreaterThan(FRAME_HEADER_BYTES)
    expect(numbers(await readAll(second.spool))).toEqual([...Array(19).keys()])
    expect(second.corrupt).toHaveLength(1) // reported once, by the recovery scan
    await second.spool.close()
  })

  it('skips a corrupt record in the middle and reads the ones after it', async () => {
    const dir = tempDir()
    const first = open(dir)
    append(first.spool, 10)
    const records = await readAll(first.spool)
    await first.spool.close()
    const victim = records[4] as SpoolRecord
    const path = segmentPath(dir, victim.segment)
    const bytes = readFileSync(path)
    bytes.writeUInt8(
      bytes.readUInt8(victim.offset + FRAME_HEADER_BYTES + 10) ^ 0xff,
      victim.offset + FRAME_HEADER_BYTES + 10,
    ) // damage the payload
    writeFileSync(path, bytes)

    const second = open(dir)
    expect((await second.spool.recovered).records).toBe(9)
    expect(second.corrupt).toEqual([
      { segment: victim.segment, offset: victim.offset, bytes: victim.end - victim.offset },
    ])
    expect(numbers(await readAll(second.spool))).toEqual([0, 1, 2, 3, 5, 6, 7, 8, 9])
    await second.spool.close()
  })

  it('treats a segment with a wrong header as damage and still finds its records', async () => {
    const dir = tempDir()
    const first = open(dir)
    append(first.spool, 5)
    await first.spool.close()
    const path = segmentPath(dir, listSegments(dir)[0] as number)
    const bytes = readFileSync(path)
    bytes.write('GARBAGE!', 0, 'latin1')
    writeFileSync(path, bytes)

    const second = open(dir)
    expect((await second.spool.recovered).records).toBe(5)
    expect(second.corrupt).toEqual([
      expect.objectContaining({ offset: 0, bytes: SEGMENT_HEADER_BYTES }),
    ])
    await second.spool.close()
  })

  it('keeps the previous watermark when the newest ack slot is damaged', async () => {
    const dir = tempDir()
    const first = open(dir)
    append(first.spool, 30)
    const records = await readAll(first.spool)
    first.spool.acknowledge({ segment: records[9]!.segment, offset: records[9]!.end }) // generation 1: slot 1
    first.spool.acknowledge({ segment: records[19]!.segment, offset: records[19]!.end }) // generation 2: slot 0
    await first.spool.close()
    const ack = readFileSync(join(dir, 'ack'))
    ack.writeUInt8(ack.readUInt8(20) ^ 0x01, 20) // damage slot 0, the newer one
    writeFileSync(join(dir, 'ack'), ack)

    const second = open(dir)
    expect((await second.spool.recovered).records).toBe(20) // resends 10..29: 10 are duplicates
    await second.spool.close()
  })
})

describe('the spool in group mode', () => {
  beforeEach(() => {
    durability = 'group'
  })

  it('keeps appended records in memory until the group commit writes them', async () => {
    const dir = tempDir()
    const { spool, syncs } = open(dir, { syncIntervalMs: 60_000 })
    append(spool, 10)
    const path = segmentPath(dir, spool.firstSessionSegment)
    expect(statSync(path).size).toBe(SEGMENT_HEADER_BYTES) // append wrote nothing
    expect(spool.readable).toBe(0)
    expect(spool.bytes).toBeGreaterThan(10 * 200) // but the spool's size counts them
    await spool.sync()
    expect(statSync(path).size).toBe(spool.writePosition.offset)
    expect(spool.readable).toBe(10)
    expect(syncs).toEqual([10])
    await spool.close()
  })

  it('tells when records become readable, and the reader reads only those', async () => {
    let readable = 0
    const { spool } = open(tempDir(), { syncIntervalMs: 60_000, onReadable: () => readable++ })
    append(spool, 5)
    const reader = spool.openReader()
    expect(await reader.read(100, 1 << 20)).toEqual([])
    expect(readable).toBe(0)
    spool.expedite() // what flush() and logSync() do
    await vi.waitFor(() => expect(readable).toBeGreaterThan(0), { timeout: 10_000 })
    expect(numbers(await reader.read(100, 1 << 20))).toEqual([0, 1, 2, 3, 4])
    await reader.close()
    await spool.close()
  })

  it('writes and syncs the buffered records on close()', async () => {
    const dir = tempDir()
    const first = open(dir, { syncIntervalMs: 60_000 })
    append(first.spool, 300) // across segments
    await first.spool.close()
    expect(first.syncs.at(-1)).toBe(300)
    const second = open(dir)
    expect((await second.spool.recovered).records).toBe(300)
    expect(numbers(await readAll(second.spool))).toEqual([...Array(300).keys()])
    expect(second.corrupt).toEqual([])
    await second.spool.close()
  })

  it('writes the buffered records when the process exits without close()', async () => {
    const dir = tempDir()
    const child = spawnSync(process.execPath, ['--import', 'tsx', EXIT_FIXTURE, dir, '500'], {
      env: { ...process.env, TSX_TSCONFIG_PATH: TSCONFIG },
      encoding: 'utf8',
    })
    expect(child.stderr).toBe('')
    expect(child.status).toBe(0)
    const { spool, corrupt } = open(dir)
    expect((await spool.recovered).records).toBe(500)
    expect(corrupt).toEqual([])
    await spool.close()
  })

  it('starts a group commit at once when a chunk fills up, without waiting for the interval', async () => {
    const { spool } = open(tempDir(), { syncIntervalMs: 60_000, segmentBytes: 16 << 20 })
    append(spool, 2000) // ~500 KB: more than one 256 KiB chunk
    await vi.waitFor(() => expect(spool.readable).toBeGreaterThan(0), { timeout: 10_000 })
    expect(spool.readable).toBeLessThan(2000)
    await spool.close()
  })
})

describe('the spool lock', () => {
  it('refuses a second logger on the same spool in this process', async () => {
    const dir = tempDir()
    const { spool } = open(dir)
    expect(() => open(dir)).toThrow(SpoolLockedError)
    expect(() => open(dir)).toThrow(/already open in this process/)
    await spool.close()
    const again = open(dir) // released by close
    await again.spool.close()
  })

  it('refuses it under another path to the same directory (relative, a symlink)', async () => {
    const dir = tempDir()
    const link = join(tempDir(), 'link')
    symlinkSync(dir, link)
    const { spool } = open(dir)
    expect(() => open(link)).toThrow(/already open in this process/)
    expect(() => open(relative(process.cwd(), dir))).toThrow(/already open in this process/)
    expect(JSON.parse(readFileSync(join(dir, 'LOCK'), 'utf8')).pid).toBe(process.pid)
    await spool.close()
  })

  it('refuses it to a worker thread, which has its own copy of the module', () => {
    const dir = tempDir()
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', LOCK_IN_WORKER_FIXTURE, dir, `${dir}/.`],
      { env: { ...process.env, TSX_TSCONFIG_PATH: TSCONFIG }, encoding: 'utf8' },
    )
    expect(child.stderr).toBe('')
    expect(child.stdout).toMatch(/^refused: .*already open in this process/)
  })

  it('refuses a live owner with its pid', () => {
    const dir = tempDir()
    writeLock(dir, process.ppid) // the test runner's parent: alive
    expect(() => open(dir)).toThrow(
      new RegExp(`in use by process ${process.ppid} .*give each its own spoolDir`),
    )
  })

  it('takes over a lock with its own pid left by an earlier process (a container’s pid 1)', async () => {
    const dir = tempDir()
    writeLock(dir, process.pid)
    const { spool } = open(dir)
    await spool.close()
  })

  it('takes over a lock whose pid now belongs to another process, or to another boot', async () => {
    const dir = tempDir()
    writeLock(dir, process.ppid, { proc_start: '1' }) // alive, but started at another time
    await open(dir).spool.close()
    writeLock(dir, process.ppid, { boot_id: 'a-previous-boot' })
    await open(dir).spool.close()
  })

  it('takes over the lock of a dead process', async () => {
    const dir = tempDir()
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'])
    const deadPid = Number(child.stdout.toString())
    writeLock(dir, deadPid)
    const { spool } = open(dir)
    expect(JSON.parse(readFileSync(join(dir, 'LOCK'), 'utf8')).pid).toBe(process.pid)
    await spool.close()
    expect(existsSync(join(dir, 'LOCK'))).toBe(false)
    expect(readdirSync(dir).filter((name) => name.startsWith('LOCK'))).toEqual([])
  })
})

function writeLock(dir: string, pid: number, extra: Record<string, string> = {}): void {
  writeFileSync(
    join(dir, 'LOCK'),
    JSON.stringify({ pid, host: hostname(), started_at: new Date().toISOString(), ...extra }),
  )
}
