// Every (id, seq) of a log, to find the ids sealed more than once where no index can be asked
// (an export, the API) — in memory that does not grow with the log. A record is the id's 36
// characters and the seq in 6 bytes, big-endian, so that records compare as bytes in (id, seq)
// order. Records gather in one buffer; each full buffer is sorted (unless it already is) and
// written to a temporary file (a run); runs are merged in levels, 32 at a time, and at the end
// all that are left, so equal ids come out side by side. A log whose ids only ever increase
// (one producer's UUIDv7 ids) can hold no id twice: it is answered without merging.

import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** An id with every seq it was sealed at (two or more), seqs ascending. */
export interface RepeatedId {
  readonly id: string
  readonly seqs: readonly number[]
}

export interface RepeatedIds {
  /** The ids sealed more than once with the lowest first seqs, ordered by first seq. */
  readonly repeated: readonly RepeatedId[]
  /** More ids were sealed more than once than `limit`, or one id more than `limit` + 1 times. */
  readonly more: boolean
}

/** A lowercase UUID's characters. */
export const ID_BYTES = 36
const LOWERCASE_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const SEQ_BYTES = 6
const RECORD_BYTES = ID_BYTES + SEQ_BYTES
const MAX_SEQ = 2 ** (8 * SEQ_BYTES) - 1
/** Records held in memory before they are written out (2.6 MiB). */
const RUN_RECORDS = 1 << 16
/** Runs merged at once; more are first merged into one. */
const FAN_IN = 32
/** Records a run reader reads at once. */
const READ_RECORDS = 1024

export interface IdLedgerOptions {
  /** Where the temporary folder is made (default: the system's, TMPDIR). */
  readonly tmpDir?: string
  /** Records per run (tests make it small). */
  readonly runRecords?: number
}

export class IdLedger {
  private readonly buffer: Buffer
  private used = 0
  /** The records in the buffer are in order. */
  private bufferSorted = true
  /** Every record added was greater than the one before. */
  private ascending = true
  private readonly last = Buffer.alloc(RECORD_BYTES)
  /** The runs on disk, each with its level: how many merges its records went through. */
  private runs: { path: string; level: number }[] = []
  private dir: string | undefined
  private closed = false

  constructor(private readonly options: IdLedgerOptions = {}) {
    this.buffer = Buffer.allocUnsafe(Math.max(2, options.runRecords ?? RUN_RECORDS) * RECORD_BYTES)
  }

  /** Records that the id in bytes[at, at + 36) (a lowercase UUID) was sealed at `seq`. */
  addBytes(seq: number, bytes: Uint8Array, at: number): void {
    if (this.closed) throw new Error('IdLedger.add after close')
    if (!Number.isSafeInteger(seq) || seq < 0 || seq > MAX_SEQ) return
    const buffer = this.buffer
    const to = this.used
    for (let i = 0; i < ID_BYTES; i++) buffer[to + i] = bytes[at + i] as number
    buffer.writeUIntBE(seq, to + ID_BYTES, SEQ_BYTES)
    // Ascending means each id greater than the one before: an id again right after itself
    // (at a later seq) is a greater record, but no longer an ascending id.
    const order = this.compareWithLast(to)
    if (order < 0 || order >= ID_BYTES) this.ascending = false
    if (order < 0) this.bufferSorted = false
    buffer.copy(this.last, 0, to, to + RECORD_BYTES)
    this.used += RECORD_BYTES
    if (this.used === buffer.length) this.spill()
  }

  /** Records that `id` (a lowercase UUID; anything else is not an id and is left out) was sealed at `seq`. */
  add(seq: number, id: string): void {
    if (!LOWERCASE_UUID.test(id)) return
    this.addBytes(seq, Buffer.from(id, 'latin1'), 0)
  }

  /**
   * The ids recorded at two or more different seqs (the same id at the same seq twice is one
   * event read twice); at most `limit`, those sealed first. Call once.
   */
  finish(limit: number): RepeatedIds {
    if (this.ascending) return { repeated: [], more: false }
    const found = new Lowest(limit)
    let group: { id: string; seqs: number[] } | undefined
    const take = (record: string) => {
      const id = record.slice(0, ID_BYTES)
      const seq = seqOf(record)
      if (group?.id !== id) {
        if (group && group.seqs.length > 1) found.offer(group)
        group = { id, seqs: [seq] }
      } else if (group.seqs.at(-1) !== seq) {
        // One id on every line of a hostile export must not fill the memory: past `limit`
        // copies the rest are only counted as more.
        if (group.seqs.length <= limit) group.seqs.push(seq)
        else found.more = true
      }
    }
    if (this.runs.length === 0) {
      for (const record of this.sortedRecords()) take(record)
    } else {
      this.spill()
      // The smallest runs first, until one merge can take the rest.
      while (this.runs.length > FAN_IN) {
        this.runs.sort((a, b) => a.level - b.level)
        this.compact(this.runs.splice(0, FAN_IN))
      }
      merge(
        this.runs.map((run) => run.path),
        take,
      )
    }
    if (group && group.seqs.length > 1) found.offer(group)
    this.used = 0
    return found.result()
  }

  /** Removes the temporary files. */
  close(): void {
    this.closed = true
    if (this.dir !== undefined) rmSync(this.dir, { recursive: true, force: true })
    this.dir = undefined
  }

  /**
   * How the record at `to` compares with the one added before it: -1 when it is smaller or
   * equal, else the position of the first byte that is greater (below ID_BYTES: a greater
   * id; from ID_BYTES on: the same id at a greater seq).
   */
  private compareWithLast(to: number): number {
    const buffer = this.buffer
    const last = this.last
    for (let i = 0; i < RECORD_BYTES; i++) {
      const a = buffer[to + i] as number
      const b = last[i] as number
      if (a !== b) return a > b ? i : -1
    }
    return -1
  }

  /** The buffer's records as latin1 texts (which compare as the bytes do), sorted. */
  private sortedRecords(): string[] {
    const records: string[] = []
    for (let at = 0; at < this.used; at += RECORD_BYTES) {
      records.push(this.buffer.toString('latin1', at, at + RECORD_BYTES))
    }
    return this.bufferSorted ? records : records.sort()
  }

  private spill(): void {
    if (this.used === 0) return
    const writer = new RunWriter(this.newRunPath())
    try {
      if (this.bufferSorted) writer.writeBytes(this.buffer.subarray(0, this.used))
      else for (const record of this.sortedRecords()) writer.write(record)
    } finally {
      writer.close()
    }
    this.runs.push({ path: writer.path, level: 0 })
    this.used = 0
    this.bufferSorted = true
    // FAN_IN runs of one level become one of the next: each record is rewritten once per
    // level (log base FAN_IN of the run count), never once per merge.
    for (let level = 0; ; level++) {
      const same = this.runs.filter((run) => run.level === level)
      if (same.length < FAN_IN) break
      this.runs = this.runs.filter((run) => run.level !== level)
      this.compact(same)
    }
  }

  /** Merges `runs` into one run of the next level, and removes them. */
  private compact(runs: readonly { path: string; level: number }[]): void {
    const writer = new RunWriter(this.newRunPath())
    try {
      merge(
        runs.map((run) => run.path),
        (record) => writer.write(record),
      )
    } finally {
      writer.close()
    }
    for (const run of runs) rmSync(run.path, { force: true })
    this.runs.push({ path: writer.path, level: Math.max(...runs.map((run) => run.level)) + 1 })
  }

  private newRunPath(): string {
    this.dir ??= mkdtempSync(join(this.options.tmpDir ?? tmpdir(), 'auditseal-verify-ids-'))
    return join(this.dir, `run-${runNumber++}`)
  }
}

let runNumber = 0

function seqOf(record: string): number {
  let seq = 0
  for (let i = ID_BYTES; i < RECORD_BYTES; i++) seq = seq * 256 + record.charCodeAt(i)
  return seq
}

/** Keeps the `limit` groups with the lowest first seq. */
class Lowest {
  private groups: RepeatedId[] = []
  /** Some ids or copies were left out. */
  more = false

  constructor(private readonly limit: number) {}

  offer(group: RepeatedId): void {
    this.groups.push(group)
    // Trimmed now and then rather than per offer: sorting 2 × limit groups is cheap.
    if (this.groups.length > 2 * Math.max(this.limit, 1)) this.trim()
  }

  result(): RepeatedIds {
    this.trim()
    return { repeated: this.groups, more: this.more }
  }

  private trim(): void {
    this.groups.sort((a, b) => (a.seqs[0] as number) - (b.seqs[0] as number))
    if (this.groups.length > this.limit) {
      this.more = true
      this.groups.length = this.limit
    }
  }
}

class RunWriter {
  private readonly fd: number
  private readonly buffer = Buffer.allocUnsafe(RECORD_BYTES * READ_RECORDS)
  private used = 0

  constructor(readonly path: string) {
    this.fd = openSync(path, 'wx', 0o600)
  }

  write(record: string): void {
    if (this.used === this.buffer.length) this.flush()
    this.buffer.write(record, this.used, RECORD_BYTES, 'latin1')
    this.used += RECORD_BYTES
  }

  writeBytes(bytes: Buffer): void {
    this.flush()
    writeAll(this.fd, bytes)
  }

  close(): void {
    try {
      this.flush()
    } finally {
      closeSync(this.fd)
    }
  }

  private flush(): void {
    writeAll(this.fd, this.buffer.subarray(0, this.used))
    this.used = 0
  }
}

function writeAll(fd: number, bytes: Buffer): void {
  let at = 0
  while (at < bytes.length) at += writeSync(fd, bytes, at, bytes.length - at)
}

class RunReader {
  private readonly fd: number
  private readonly buffer = Buffer.allocUnsafe(RECORD_BYTES * READ_RECORDS)
  private filled = 0
  private at = 0
  private position = 0
  /** The record the reader is at; undefined once the run is read. */
  current: string | undefined

  constructor(path: string) {
    this.fd = openSync(path, 'r')
  }

  advance(): void {
    if (this.at === this.filled) {
      this.filled = readSync(this.fd, this.buffer, 0, this.buffer.length, this.position)
      this.position += this.filled
      this.at = 0
      if (this.filled < RECORD_BYTES) {
        this.current = undefined
        return
      }
    }
    this.current = this.buffer.toString('latin1', this.at, this.at + RECORD_BYTES)
    this.at += RECORD_BYTES
  }

  close(): void {
    closeSync(this.fd)
  }
}

/** Merges the sorted runs at `paths`, calling `each` with every record in order. */
function merge(paths: readonly string[], each: (record: string) => void): void {
  const readers: RunReader[] = []
  try {
    for (const path of paths) readers.push(new RunReader(path))
    for (const reader of readers) reader.advance()
    mergeReaders(readers, each)
  } finally {
    for (const reader of readers) reader.close()
  }
}

function mergeReaders(readers: readonly RunReader[], each: (record: string) => void): void {
  // A binary heap of the readers by their current record.
  const heap = readers.filter((r) => r.current !== undefined)
  const less = (a: RunReader, b: RunReader) => (a.current as string) < (b.current as string)
  const down = (from: number) => {
    let i = from
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < heap.length && less(heap[l] as RunReader, heap[m] as RunReader)) m = l
      if (r < heap.length && less(heap[r] as RunReader, heap[m] as RunReader)) m = r
      if (m === i) return
      ;[heap[i], heap[m]] = [heap[m] as RunReader, heap[i] as RunReader]
      i = m
    }
  }
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) down(i)
  while (heap.length > 0) {
    const top = heap[0] as RunReader
    each(top.current as string)
    top.advance()
    if (top.current === undefined) {
      const last = heap.pop() as RunReader
      if (heap.length === 0) break
      heap[0] = last
    }
    down(0)
  }
}
