// The append side of the spool: log()'s fast path. Three durability modes (docs/sdk.md,
// "Durability window"):
//
//   group    log() frames the record into an in-memory chunk and returns: no system call.
//            The group commit, syncIntervalMs after the first record not yet synced (at once
//            when a chunk fills up, or when flush() or logSync() waits), writes the chunks in
//            order and then fdatasyncs them, both in the libuv thread pool: the event loop
//            never waits for the disk, and log() fills the next chunk meanwhile. Writing does
//            not wait for a sync in progress. A record is safe from a process kill once
//            written, from a power loss once synced; a process that exits (`exit` event)
//            writes what is still buffered.
//   process  log() hands the record to the OS with one pwrite(2): safe from a process kill
//            when log() returns; the group commit only fdatasyncs.
//   strict   log() pwrite(2)s and fdatasyncs the record before returning.
//
// Readers only see bytes that are in the file: the writer says how far that is (`written`).

import {
  closeSync,
  close as closeFd,
  fdatasync,
  fdatasyncSync,
  fsync,
  fsyncSync,
  ftruncateSync,
  openSync,
  unlinkSync,
  write,
  writeSync,
} from 'node:fs'
import { AuditSdkError, errorMessage } from '../errors.js'
import {
  checksumFrames,
  encodeFrame,
  FRAME_HEADER_BYTES,
  SEGMENT_HEADER,
  SEGMENT_HEADER_BYTES,
} from './frame.js'
import type { Position } from './position.js'
import { comparePositions, segmentPath } from './position.js'

export type Durability = 'group' | 'process' | 'strict'
export const DURABILITIES: readonly Durability[] = ['group', 'process', 'strict']

/** Size of the buffers records are framed into in `group` mode. */
const CHUNK_BYTES = 256 * 1024
/**
 * Written chunk buffers kept for reuse. A fresh buffer costs a page fault per 4 KiB on first
 * use, which made up most of log()'s time in the VM this was measured on; a buffer returns
 * here as soon as it is written, so a few cover a steady stream.
 */
const POOLED_CHUNKS = 8

export interface SpoolWriterOptions {
  dir: string
  durability: Durability
  syncIntervalMs: number
  /** A segment is closed and a new one started once it reaches this size. */
  segmentBytes: number
  /**
   * Most bytes of records held in memory, not yet written (`group` mode; default 16 MiB).
   * Beyond it append() writes them itself, as `process` mode does: a disk that does not keep
   * up slows log() down rather than growing memory without bound.
   */
  maxBufferedBytes?: number
  /** The segment just closed (`bytes` long) and the one started after it. */
  onRotate(closed: number, bytes: number, started: number): void
  /** Every record appended so far in this session up to `records` is on stable storage. */
  onSync(records: number): void
  /** More records are in the file, readable (`written` moved). */
  onWritten(): void
  /** A background write or sync, or a rotation, failed; it is retried (the next interval, the next append). */
  onSyncError(error: unknown): void
  /**
   * `group` mode: the process is exiting and the disk refused the last `records` records
   * appended, which were never written: they are lost. Called from the `exit` hook.
   */
  onLost?(records: number, error: unknown): void
}

/** Records framed in memory for one segment, in the order they are to be written. */
interface Chunk {
  segment: number
  fd: number
  buf: Buffer
  /** File offset of buf[0]. */
  start: number
  length: number
  /** The writer's `appended` count after this chunk's last record. */
  upTo: number
  /** The segment's last chunk: the segment was closed after it. */
  last: boolean
  /** Bytes of buf whose frames have their checksums (log() leaves them to the commit). */
  checksummed: number
  /** A write from the thread pool is reading buf: it must not be reused before that ends. */
  inFlight: boolean
  written: boolean
}

/** A closed segment's descriptor, synced and closed by a group commit. */
interface Retired {
  fd: number
  segment: number
}

/** Someone waiting for sync(). */
interface SyncWaiter {
  target: number
  resolve: () => void
  reject: (error: unknown) => void
}

/** Writers with records in memory, written out when the process exits. */
const buffering = new Set<SpoolWriter>()
let exitHook = false

export class SpoolWriter {
  readonly #options: SpoolWriterOptions
  readonly #buffered: boolean
  readonly #maxBuffered: number
  #fd: number
  #segment: number
  /** End of the current segment's records, buffered ones included. */
  #offset = SEGMENT_HEADER_BYTES
  #appended = 0
  #synced = 0
  /** Everything before this position is in the file; `#writtenRecords` records of this session. */
  #written: Position
  #writtenRecords = 0
  /** `process` and `strict`: each record is framed here and written at once. */
  #scratch: Buffer | undefined
  /** `group`: the chunk being filled, and the ones filled before it, not yet written. */
  #active: Chunk | undefined
  readonly #sealed: Chunk[] = []
  /** Bytes of records in #active and #sealed. */
  #held = 0
  readonly #free: Buffer[] = []
  #retiring: Retired[] = []
  #dirDirty = false
  #timer: NodeJS.Timeout | undefined
  #writing: Promise<void> | undefined
  #syncing: Promise<void> | undefined
  /** A sync was asked for while one ran, or while chunks were being written. */
  #wantSync = false
  readonly #waiters: SyncWaiter[] = []
  #closing = false
  /** No more records: close() has begun its last commit. */
  #closed = false
  /** The files are closed (everything was written). */
  #released = false
  #closeRun: Promise<void> | undefined

  /** Creates segment `segment` (a new file) and appends to it. */
  constructor(segment: number, options: SpoolWriterOptions) {
    this.#options = options
    this.#buffered = options.durability === 'group'
    this.#maxBuffered = options.maxBufferedBytes ?? 16 * 1024 * 1024
    this.#segment = segment
    this.#fd = createSegment(options.dir, segment)
    this.#written = { segment, offset: SEGMENT_HEADER_BYTES }
    if (options.durability === 'strict') fsyncDirSync(options.dir)
    else this.#dirDirty = true
    if (this.#buffered) {
      buffering.add(this)
      if (!exitHook) {
        exitHook = true
        process.on('exit', writeAllBuffered)
      }
    } else {
      this.#scratch = Buffer.allocUnsafe(256 * 1024)
    }
  }

  get segment(): number {
    return this.#segment
  }

  /** Bytes of the current segment that hold whole records, buffered ones included. */
  get offset(): number {
    return this.#offset
  }

  /** Everything before this position is in the file, readable. */
  get written(): Position {
    return this.#written
  }

  /** Records of this session in the file. */
  get writtenRecords(): number {
    return this.#writtenRecords
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
   * Appends one record (see encodeFrame for `dropTail`) and returns its size in bytes.
   * Throws if the record cannot be taken — the writer is closed; in `process` and `strict`
   * mode, or when `group` mode's memory is full, the OS's error (disk full, I/O error) — and
   * then nothing of it counts as appended and nothing of it is in the file. The one exception,
   * in `strict` mode: a record written whose fdatasync fails is cut off again; if even that
   * fails, it stays recorded, append() returns, and onSyncError reports it as not yet synced.
   */
  append(id: string, payload: string, loggedAt: number, dropTail?: number): number {
    // While close() waits for the background work, records are still taken: it writes them.
    if (this.#closed) throw new Error('the spool is closed')
    const length = this.#buffered
      ? this.#appendBuffered(id, payload, loggedAt, dropTail)
      : this.#appendWritten(id, payload, loggedAt, dropTail)
    if (this.#offset >= this.#options.segmentBytes) this.#tryRotate()
    return length
  }

  /** Starts the group commit now rather than at the end of the interval (flush, logSync). */
  expedite(): void {
    if (this.#closing || (this.#synced === this.#appended && this.#retiring.length === 0)) return
    this.#commit()
  }

  /**
   * Writes and syncs everything appended before the call; rejects if that fails. While the
   * writer closes, that is close()'s outcome.
   */
  sync(): Promise<void> {
    const target = this.#appended
    if (this.#synced >= target) return Promise.resolve()
    if (this.#closing) return this.close()
    const done = new Promise<void>((resolve, reject) => {
      this.#waiters.push({ target, resolve, reject })
    })
    this.#commit()
    return done
  }

  /** Records appended but not yet in the file (held in memory, `group` mode). */
  get unwritten(): number {
    return this.#appended - this.#writtenRecords
  }

  /** Whether append() refuses records: close() has begun its last commit. */
  get closed(): boolean {
    return this.#closed
  }

  /**
   * Writes and syncs everything, and closes every file. If a write fails, the records not yet
   * written stay in memory and their files open — the `exit` hook still writes them — and the
   * rejection says how many there are; calling close() again tries again.
   */
  close(): Promise<void> {
    this.#closeRun ??= this.#close().catch((error: unknown) => {
      this.#closeRun = undefined
      throw error
    })
    return this.#closeRun
  }

  async #close(): Promise<void> {
    if (this.#released) return
    this.#closing = true
    clearTimeout(this.#timer)
    this.#timer = undefined
    // Let the background work end (it starts nothing new now).
    while (this.#writing !== undefined || this.#syncing !== undefined) {
      await this.#writing
      await this.#syncing
    }
    this.#closed = true
    try {
      // The last commit, in this call. A chunk that fails stays queued, with those after it.
      this.#writeSealedSync()
    } catch (error) {
      const failure = new AuditSdkError(
        'SPOOL_IO',
        `closing the spool: ${this.unwritten} record(s) could not be written ` +
          `(${errorMessage(error)}); they stay in memory, to be written by close() again or ` +
          `when the process exits`,
        { cause: error },
      )
      for (const waiter of this.#waiters.splice(0)) waiter.reject(failure)
      throw failure
    }
    buffering.delete(this)
    this.#released = true
    const fds = [...this.#retiring.splice(0).map((r) => r.fd), this.#fd]
    try {
      try {
        for (const fd of fds) fdatasyncSync(fd)
      } finally {
        for (const fd of fds) closeSync(fd)
      }
      fsyncDirSync(this.#options.dir)
    } catch (error) {
      // Written, so in the OS's cache; not known to be on stable storage.
      for (const waiter of this.#waiters.splice(0)) waiter.reject(error)
      throw error
    }
    this.#held = 0
    if (this.#synced !== this.#appended) {
      this.#synced = this.#appended
      this.#options.onSync(this.#synced)
    }
    for (const waiter of this.#waiters.splice(0)) waiter.resolve()
  }

  /**
   * Writes every buffered record, on the event loop (the `exit` hook): the OS keeps them. If
   * the disk refuses, the records from the failed chunk on are lost with the process:
   * onLost says how many, once.
   */
  writeBuffered(): void {
    if (this.#released || !this.#buffered) return
    this.#seal()
    // Records before the first chunk still queued are in the file.
    let safe = this.#writtenRecords
    for (const chunk of this.#sealed) {
      if (!chunk.written) {
        try {
          // A chunk the thread pool is writing is written again: same bytes, same place.
          writeChunkSync(chunk)
        } catch (error) {
          this.#options.onLost?.(this.#appended - safe, error)
          return
        }
      }
      safe = chunk.upTo
    }
  }

  // --- process and strict: one write per record ---

  #appendWritten(id: string, payload: string, loggedAt: number, dropTail?: number): number {
    const need = FRAME_HEADER_BYTES + 3 * payload.length
    let scratch = this.#scratch as Buffer
    if (need > scratch.length) scratch = this.#scratch = Buffer.allocUnsafe(need)
    const length = encodeFrame(scratch, 0, id, payload, loggedAt, dropTail)
    const start = this.#offset
    // Positional: a failed or short write leaves the offset where it was, and nothing counts
    // until the record is whole (and, in `strict` mode, synced): readers do not see it before.
    const written = writeSync(this.#fd, scratch, 0, length, start)
    if (written !== length) {
      this.#truncate(start) // the next record would overwrite the partial one anyway
      throw new Error(`short write to the spool: ${written} of ${length} bytes`)
    }
    if (this.#options.durability !== 'strict') {
      this.#tookWritten(length)
      this.#scheduleCommit()
    } else {
      try {
        fdatasyncSync(this.#fd)
      } catch (error) {
        // Taken back out of the file, the record is not recorded, as the caller is told. If it
        // cannot be taken back, it is recorded (it will be delivered): reported as written
        // but not yet synced, and the group commit tries the sync again.
        if (this.#truncate(start)) throw error
        this.#tookWritten(length)
        this.#options.onSyncError(
          new Error(
            `a spool record was written but not synced (${errorMessage(error)}), and could ` +
              `not be taken back: it will be delivered; the sync is tried again`,
            { cause: error },
          ),
        )
        this.#scheduleCommit()
        this.#options.onWritten()
        return length
      }
      this.#tookWritten(length)
      this.#synced = this.#appended
      this.#options.onSync(this.#synced)
    }
    this.#options.onWritten()
    return length
  }

  /** A record of `length` bytes is in the file at the offset: it counts from now on. */
  #tookWritten(length: number): void {
    this.#offset += length
    this.#appended++
    this.#written = { segment: this.#segment, offset: this.#offset }
    this.#writtenRecords = this.#appended
  }

  /** Cuts the current segment back to `offset`; false if the OS refused. */
  #truncate(offset: number): boolean {
    try {
      ftruncateSync(this.#fd, offset)
      return true
    } catch {
      return false
    }
  }

  // --- group: records framed in memory, written and synced by the group commit ---

  #appendBuffered(id: string, payload: string, loggedAt: number, dropTail?: number): number {
    // A disk that does not keep up: write what is buffered here, in order, before taking more.
    if (this.#held > this.#maxBuffered) this.#writeSealedSync()
    const need = FRAME_HEADER_BYTES + 3 * payload.length
    let chunk = this.#active
    if (chunk === undefined || need > chunk.buf.length - chunk.length) {
      if (chunk !== undefined) {
        // A full chunk: it is written now, not at the end of the interval.
        this.#seal()
        this.#startWriting()
      }
      chunk = this.#active = this.#newChunk(need)
    }
    // The checksum is computed by the group commit, for the whole chunk, before writing it.
    const length = encodeFrame(chunk.buf, chunk.length, id, payload, loggedAt, dropTail, false)
    chunk.length += length
    this.#held += length
    this.#offset += length
    chunk.upTo = ++this.#appended
    this.#scheduleCommit()
    return length
  }

  #newChunk(need: number): Chunk {
    const buf =
      need <= CHUNK_BYTES
        ? (this.#free.pop() ?? Buffer.allocUnsafe(CHUNK_BYTES))
        : Buffer.allocUnsafe(need)
    return {
      segment: this.#segment,
      fd: this.#fd,
      buf,
      start: this.#offset,
      length: 0,
      upTo: this.#appended,
      last: false,
      checksummed: 0,
      inFlight: false,
      written: false,
    }
  }

  /** Moves the active chunk, if it holds records, behind the sealed ones. */
  #seal(): void {
    const chunk = this.#active
    if (chunk === undefined || chunk.length === 0) return
    this.#sealed.push(chunk)
    this.#active = undefined
  }

  /** Done with a written chunk: it leaves the queue and its buffer is free for reuse. */
  #retire(chunk: Chunk): void {
    chunk.written = true
    this.#sealed.shift() // always the first: chunks are written in order
    this.#held -= chunk.length
    this.#advanceWritten(chunk)
    if (!chunk.inFlight) this.#recycle(chunk.buf)
  }

  /** Keeps a chunk's buffer for the next one, up to a few of the standard size. */
  #recycle(buf: Buffer): void {
    if (buf.length === CHUNK_BYTES && this.#free.length < POOLED_CHUNKS) this.#free.push(buf)
  }

  #advanceWritten(chunk: Chunk): void {
    const written = chunk.last
      ? { segment: chunk.segment + 1, offset: SEGMENT_HEADER_BYTES }
      : { segment: chunk.segment, offset: chunk.start + chunk.length }
    if (comparePositions(written, this.#written) <= 0) return
    this.#written = written
    this.#writtenRecords = Math.max(this.#writtenRecords, chunk.upTo)
    this.#options.onWritten()
  }

  /** The fallback when memory is short: writes the sealed chunks on the event loop, in order. */
  #writeSealedSync(): void {
    this.#seal()
    while (this.#sealed.length > 0) {
      const chunk = this.#sealed[0] as Chunk
      // One the thread pool is writing right now is written again (the same bytes at the same
      // place), so the file holds a prefix of the records whatever happens.
      writeChunkSync(chunk)
      this.#retire(chunk)
    }
  }

  /** Starts writing the sealed chunks in the thread pool, unless that is under way. */
  #startWriting(): void {
    if (this.#writing !== undefined || this.#closed || this.#sealed.length === 0) return
    this.#writing = this.#writeSealed().finally(() => {
      this.#writing = undefined
      // What was sealed meanwhile, then the sync that was asked for.
      if (this.#sealed.length > 0 && !this.#failedWrite) this.#startWriting()
      else if (this.#wantSync) this.#startSync()
    })
  }

  /** The last background write failed: wait for the next commit before trying again. */
  #failedWrite = false

  async #writeSealed(): Promise<void> {
    this.#failedWrite = false
    while (this.#sealed.length > 0) {
      const chunk = this.#sealed[0] as Chunk
      chunk.inFlight = true
      try {
        await writeChunk(chunk)
      } catch (error) {
        this.#failedWrite = true
        this.#failed(error)
        return
      } finally {
        chunk.inFlight = false
      }
      // Written meanwhile by the fallback (and retired): only its buffer was still held.
      if (chunk.written) {
        this.#recycle(chunk.buf)
        continue
      }
      this.#retire(chunk)
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
      try {
        fdatasyncSync(this.#fd)
      } catch (error) {
        closeSync(fd)
        discardFile(segmentPath(this.#options.dir, closed + 1))
        throw error
      }
      closeSync(this.#fd)
      fsyncDirSync(this.#options.dir)
    } else {
      if (this.#buffered) {
        // The segment's last chunk says so: `written` moves on to the next segment once it is
        // in the file. A rotation follows an append, so the active chunk holds a record.
        const chunk = this.#active ?? this.#newChunk(0)
        chunk.last = true
        this.#sealed.push(chunk)
        this.#active = undefined
        this.#startWriting()
      }
      // A background write or fdatasync may still use the old descriptor: it is closed by the
      // group commit that syncs it after its last chunk is written.
      this.#retiring.push({ fd: this.#fd, segment: closed })
      this.#dirDirty = true
      this.#scheduleCommit()
    }
    this.#fd = fd
    this.#segment = closed + 1
    this.#offset = SEGMENT_HEADER_BYTES
    if (!this.#buffered) this.#written = { segment: this.#segment, offset: SEGMENT_HEADER_BYTES }
    this.#options.onRotate(closed, bytes, this.#segment)
  }

  #scheduleCommit(): void {
    if (this.#timer !== undefined || this.#closing) return
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#commit()
    }, this.#options.syncIntervalMs)
    // The logger must not keep a process alive: at exit, buffered records are written (the
    // `exit` hook), and close() syncs everything.
    this.#timer.unref()
  }

  /** A group commit: write what is buffered, then sync (after the writes, if there are any). */
  #commit(): void {
    if (this.#closing) return
    this.#seal()
    if (this.#sealed.length > 0) {
      this.#wantSync = true
      this.#startWriting()
    } else {
      this.#startSync()
    }
  }

  /**
   * fdatasyncs the retired segments, the current one and the directory, claiming the records
   * in the files when it starts. Retired segments wholly written are closed afterwards.
   */
  #startSync(): void {
    this.#wantSync = false
    if (this.#closed) return
    if (this.#syncing !== undefined) {
      this.#wantSync = true
      return
    }
    const target = this.#writtenRecords
    if (target === this.#synced && this.#retiring.length === 0 && !this.#dirDirty) {
      this.#settleWaiters()
      return
    }
    const fd = this.#fd
    const retiring = this.#retiring.slice()
    const done = retiring.filter((r) => r.segment < this.#written.segment)
    const dirDirty = this.#dirDirty
    this.#dirDirty = false
    this.#syncing = (async () => {
      for (const { fd: old } of retiring) await callback((cb) => fdatasync(old, cb))
      await callback((cb) => fdatasync(fd, cb))
      if (dirDirty) await fsyncDir(this.#options.dir)
    })().then(
      () => {
        this.#syncing = undefined
        for (const retired of done) {
          this.#retiring.splice(this.#retiring.indexOf(retired), 1)
          // Closing releases the descriptor even when it reports an error; nothing to retry.
          closeFd(retired.fd, () => {})
        }
        if (target > this.#synced) {
          this.#synced = target
          this.#options.onSync(target)
        }
        this.#settleWaiters()
        this.#afterSync()
      },
      (error: unknown) => {
        this.#syncing = undefined
        this.#dirDirty ||= dirDirty
        this.#failed(error)
        this.#afterSync()
      },
    )
  }

  #afterSync(): void {
    if (this.#closing) return
    if (this.#wantSync) this.#commit()
    else if (this.#appended > this.#synced || this.#retiring.length > 0) this.#scheduleCommit()
  }

  /** A background write or sync failed: reported, tried again at the next interval. */
  #failed(error: unknown): void {
    this.#options.onSyncError(error)
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error)
    this.#scheduleCommit()
  }

  #settleWaiters(): void {
    for (let i = 0; i < this.#waiters.length;) {
      const waiter = this.#waiters[i] as SyncWaiter
      if (waiter.target <= this.#synced) {
        this.#waiters.splice(i, 1)
        waiter.resolve()
      } else i++
    }
    // Some wait for records appended after the sync started: another one.
    if (this.#waiters.length > 0) this.#wantSync = true
  }
}

function writeAllBuffered(): void {
  for (const writer of buffering) {
    try {
      writer.writeBuffered()
    } catch {
      // A listener of the loss threw; the process is exiting, nothing is left to tell.
    }
  }
}

/** Completes the chunk's frames with their checksums (on the event loop, before a write). */
function checksum(chunk: Chunk): void {
  if (chunk.checksummed === chunk.length) return
  checksumFrames(chunk.buf, chunk.checksummed, chunk.length)
  chunk.checksummed = chunk.length
}

/** pwrite(2)s a whole chunk from the thread pool. */
async function writeChunk(chunk: Chunk): Promise<void> {
  checksum(chunk)
  for (let done = 0; done < chunk.length;) {
    const n = await new Promise<number>((resolve, reject) =>
      write(chunk.fd, chunk.buf, done, chunk.length - done, chunk.start + done, (error, bytes) =>
        error ? reject(error) : resolve(bytes),
      ),
    )
    if (n === 0) throw new Error('the spool file took no bytes (write returned 0)')
    done += n
  }
}

function writeChunkSync(chunk: Chunk): void {
  checksum(chunk)
  for (let done = 0; done < chunk.length;) {
    const n = writeSync(chunk.fd, chunk.buf, done, chunk.length - done, chunk.start + done)
    if (n === 0) throw new Error('the spool file took no bytes (write returned 0)')
    done += n
  }
}

function createSegment(dir: string, segment: number): number {
  const path = segmentPath(dir, segment)
  const fd = openSync(path, 'wx', 0o600)
  try {
    writeSync(fd, SEGMENT_HEADER, 0, SEGMENT_HEADER_BYTES, 0)
  } catch (error) {
    closeSync(fd)
    discardFile(path)
    throw error
  }
  return fd
}

/**
 * Removes a segment that could not be made whole: left behind, it would make every later
 * rotation fail (the name exists) and the current segment grow without bound.
 */
function discardFile(path: string): void {
  try {
    unlinkSync(path)
  } catch {
    // The next rotation reports EEXIST, and the error it reports says why.
  }
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
