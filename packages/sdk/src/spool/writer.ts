// The append side of the spool: log()'s fast path. Every record is handed to the OS with one
// pwrite(2) before log() returns, so it survives the death of the process at once; making it
// survive a power loss (fdatasync) is done for many records at a time by a background group
// commit every syncIntervalMs, or per record in `strict` mode.

import {
  closeSync,
  close as closeFd,
  fdatasync,
  fdatasyncSync,
  fsync,
  fsyncSync,
  openSync,
  writeSync,
} from 'node:fs'
import { encodeFrame, FRAME_HEADER_BYTES, SEGMENT_HEADER, SEGMENT_HEADER_BYTES } from './frame.js'
import { segmentPath } from './position.js'

export type Durability = 'group' | 'strict'

export interface SpoolWriterOptions {
  dir: string
  durability: Durability
  syncIntervalMs: number
  /** A segment is closed and a new one started once it reaches this size. */
  segmentBytes: number
  /** The segment just closed (`bytes` long) and the one started after it. */
  onRotate(closed: number, bytes: number, started: number): void
  /** Every record appended so far in this session up to `records` is on stable storage. */
  onSync(records: number): void
  /** A background sync or a rotation failed; it is retried (the next interval, the next append). */
  onSyncError(error: unknown): void
}

export class SpoolWriter {
  readonly #options: SpoolWriterOptions
  #fd: number
  #segment: number
  #offset = SEGMENT_HEADER_BYTES
  #scratch = Buffer.allocUnsafe(256 * 1024)
  #appended = 0
  #synced = 0
  /** Descriptors of closed segments, synced and closed by the next group commit. */
  #retiring: number[] = []
  #dirDirty = false
  #timer: NodeJS.Timeout | undefined
  #syncing: Promise<void> | undefined
  #closed = false

  /** Creates segment `segment` (a new file) and appends to it. */
  constructor(segment: number, options: SpoolWriterOptions) {
    this.#options = options
    this.#segment = segment
    this.#fd = createSegment(options.dir, segment)
    if (options.durability === 'strict') fsyncDirSync(options.dir)
    else this.#dirDirty = true
  }

  get segment(): number {
    return this.#segment
  }

  /** Bytes of the current segment that hold whole records (always a record boundary). */
  get offset(): number {
    return this.#offset
  }

  /** Records appended in this session. */
  get appended(): number {
    return this.#appended
  }

  /** Records of this session known to be on stable storage. */
  get synced(): number {
    return this.#synced
  }

  /**
   * Appends one record and returns its size in bytes. Throws the OS's error if the write fails
   * (disk full, I/O error); then nothing of the record counts as written, and the next record
   * is written over whatever part of it reached the file.
   */
  append(id: string, payload: string, loggedAt: number): number {
    const need = FRAME_HEADER_BYTES + 3 * payload.length
    if (need > this.#scratch.length) this.#scratch = Buffer.allocUnsafe(need)
    const length = encodeFrame(this.#scratch, id, payload, loggedAt)
    // Positional: a failed or short write leaves the offset where it was.
    const written = writeSync(this.#fd, this.#scratch, 0, length, this.#offset)
    if (written !== length)
      throw new Error(`short write to the spool: ${written} of ${length} bytes`)
    this.#offset += length
    this.#appended++
    if (this.#options.durability === 'strict') {
      fdatasyncSync(this.#fd)
      this.#synced = this.#appended
      this.#options.onSync(this.#synced)
    } else {
      this.#scheduleSync()
    }
    if (this.#offset >= this.#options.segmentBytes) this.#tryRotate()
    return length
  }

  /** Syncs and closes every file. */
  async close(): Promise<void> {
    if (this.#closed) return
    clearTimeout(this.#timer)
    this.#timer = undefined
    if (this.#syncing) await this.#syncing.catch(() => {})
    this.#closed = true
    for (const fd of this.#retiring.splice(0)) {
      fdatasyncSync(fd)
      closeSync(fd)
    }
    fdatasyncSync(this.#fd)
    closeSync(this.#fd)
    fsyncDirSync(this.#options.dir)
    if (this.#synced !== this.#appended) {
      this.#synced = this.#appended
      this.#options.onSync(this.#synced)
    }
  }

  /**
   * Rotates, or keeps appending to the current segment if a new one cannot be created (too
   * many open files, a full disk): an oversized segment is harmless, a lost event is not.
   * The next append tries again.
   */
  #tryRotate(): void {
    try {
      this.#rotate()
    } catch (error) {
      this.#options.onSyncError(error)
    }
  }

  #rotate(): void {
    const closed = this.#segment
    const bytes = this.#offset
    const fd = createSegment(this.#options.dir, closed + 1)
    if (this.#options.durability === 'strict') {
      fdatasyncSync(this.#fd)
      closeSync(this.#fd)
      fsyncDirSync(this.#options.dir)
    } else {
      // A pending background fdatasync may still use the old descriptor: close it only after
      // the next group commit has synced it.
      this.#retiring.push(this.#fd)
      this.#dirDirty = true
      this.#scheduleSync()
    }
    this.#fd = fd
    this.#segment = closed + 1
    this.#offset = SEGMENT_HEADER_BYTES
    this.#options.onRotate(closed, bytes, this.#segment)
  }

  #scheduleSync(): void {
    if (this.#timer !== undefined || this.#syncing !== undefined || this.#closed) return
    this.#timer = setTimeout(() => this.#runSync(), this.#options.syncIntervalMs)
    // The logger must not keep a process alive: unsynced records are in the OS's cache
    // already and close() syncs them.
    this.#timer.unref()
  }

  /** One group commit: the retired segments, the current one, and the directory. */
  #runSync(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    const target = this.#appended
    const fd = this.#fd
    const retiring = this.#retiring.splice(0)
    const dirDirty = this.#dirDirty
    this.#dirDirty = false
    this.#syncing = (async () => {
      while (retiring.length > 0) {
        const old = retiring[0] as number
        await callback((done) => fdatasync(old, done))
        retiring.shift()
        // Closing releases the descriptor even when it reports an error; nothing to retry.
        closeFd(old, () => {})
      }
      await callback((done) => fdatasync(fd, done))
      if (dirDirty) await fsyncDir(this.#options.dir)
    })().then(
      () => {
        this.#syncing = undefined
        if (target > this.#synced) {
          this.#synced = target
          this.#options.onSync(target)
        }
        if (this.#appended > this.#synced || this.#retiring.length > 0) this.#scheduleSync()
      },
      (error: unknown) => {
        this.#syncing = undefined
        // What was not synced is tried again: the retired descriptors not closed yet, too.
        this.#retiring.unshift(...retiring)
        this.#dirDirty ||= dirDirty
        this.#options.onSyncError(error)
        this.#scheduleSync()
      },
    )
  }
}

function createSegment(dir: string, segment: number): number {
  const fd = openSync(segmentPath(dir, segment), 'wx', 0o600)
  try {
    writeSync(fd, SEGMENT_HEADER, 0, SEGMENT_HEADER_BYTES, 0)
  } catch (error) {
    closeSync(fd)
    throw error
  }
  return fd
}

/** Makes the directory's entries (a new segment's name) durable, as a new file needs. */
export function fsyncDirSync(dir: string): void {
  const fd = openSync(dir, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const fd = openSync(dir, 'r')
  try {
    await callback((done) => fsync(fd, done))
  } finally {
    closeSync(fd)
  }
}

function callback(run: (done: (error: Error | null) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => run((error) => (error ? reject(error) : resolve())))
}
