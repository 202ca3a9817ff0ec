// The durable local spool: append-only segment files, an acknowledgement watermark, and a lock.
//
//   <spoolDir>/LOCK                   owner pid; one process per spool (lock.ts)
//   <spoolDir>/seg-000000000007.log   records (frame.ts); each session starts a new segment
//   <spoolDir>/ack                    the acknowledgement watermark (ack-file.ts)
//   <spoolDir>/dead-letter.ndjson     events the server refused for good (dead-letter.ts)
//
// Records before the watermark are delivered; a segment wholly before it is deleted. After a
// crash the records from the watermark on are read again and resent: the server answers
// `duplicate` for those it already had, so each event is in the log exactly once.

import { mkdirSync, openSync, readSync, closeSync, statSync, unlink, unlinkSync } from 'node:fs'
import { join } from 'node:path'
import { AuditSdkError, errorMessage } from '../errors.js'
import { AckFile } from './ack-file.js'
import { SegmentCursor } from './cursor.js'
import type { CorruptRegion } from './cursor.js'
import { FRAME_MAGIC, SEGMENT_HEADER_BYTES } from './frame.js'
import { acquireSpoolLock } from './lock.js'
import type { SpoolLock } from './lock.js'
import { comparePositions, listSegments, segmentPath } from './position.js'
import type { Position } from './position.js'
import { SpoolReader } from './reader.js'
import type { SegmentView } from './reader.js'
import { SpoolWriter } from './writer.js'
import type { Durability } from './writer.js'

export interface SpoolOptions {
  dir: string
  durability: Durability
  syncIntervalMs: number
  segmentBytes: number
  /** Most bytes of records held in memory in `group` mode (see SpoolWriterOptions). */
  maxBufferedBytes?: number
  /** Records appended in this session up to `records` are on stable storage. */
  onSync(records: number): void
  /** More records can be read (the group commit wrote them, or an unbuffered append did). */
  onReadable(): void
  /** A damaged region was skipped (each region is reported once). */
  onCorrupt(region: CorruptRegion): void
  /** A background file operation failed. */
  onError(error: unknown, what: string): void
  /** The process is exiting and the last `records` records could not be written: lost. */
  onLost?(records: number, error: unknown): void
}

/** What a new spool found left by earlier sessions, not yet acknowledged. */
export interface Recovered {
  records: number
  /** When the oldest of them was logged (Unix ms), if there is any. */
  oldestLoggedAt: number | undefined
}

interface Segment {
  /** Bytes on disk, and for a closed segment of this session the end of its last record. */
  bytes: number
  /** Closed: no record will be added. */
  final: boolean
}

export class Spool implements SegmentView {
  readonly dir: string
  /** The first segment written by this session; older ones were recovered. */
  readonly firstSessionSegment: number
  /** Settles once the recovered segments have been scanned (counted and checked). */
  readonly recovered: Promise<Recovered>
  readonly #options: SpoolOptions
  readonly #lock: SpoolLock
  readonly #ack: AckFile
  readonly #writer: SpoolWriter
  /** Live segments, ascending; the last is the writer's. */
  readonly #order: number[]
  readonly #segments = new Map<number, Segment>()
  #watermark: Position
  #closedBytes = 0
  /** close() was called: the watermark no longer moves. */
  #closing = false
  /** The lock is released. */
  #released = false

  private constructor(options: SpoolOptions, lock: SpoolLock, ack: AckFile) {
    this.dir = options.dir
    this.#options = options
    this.#lock = lock
    this.#ack = ack
    const existing = listSegments(options.dir)
    let watermark = ack.watermark ?? { segment: existing[0] ?? 0, offset: SEGMENT_HEADER_BYTES }
    // Segments wholly before the watermark were delivered; a crash interrupted their deletion.
    for (const segment of existing) {
      if (segment < watermark.segment) unlinkSync(segmentPath(options.dir, segment))
    }
    this.#order = existing.filter((segment) => segment >= watermark.segment)
    for (const segment of this.#order) {
      const bytes = statSync(segmentPath(options.dir, segment)).size
      this.#segments.set(segment, { bytes, final: true })
      this.#closedBytes += bytes
    }
    const first = Math.max(existing.at(-1) ?? 0, watermark.segment) + 1
    this.firstSessionSegment = first
    this.#writer = new SpoolWriter(first, {
      dir: options.dir,
      durability: options.durability,
      syncIntervalMs: options.syncIntervalMs,
      segmentBytes: options.segmentBytes,
      maxBufferedBytes: options.maxBufferedBytes,
      onRotate: (closed, bytes, started) => this.#rotated(closed, bytes, started),
      onSync: options.onSync,
      onWritten: options.onReadable,
      onSyncError: (error) => options.onError(error, 'syncing the spool'),
      onLost: options.onLost,
    })
    this.#order.push(first)
    this.#segments.set(first, { bytes: SEGMENT_HEADER_BYTES, final: false })
    const oldest = this.#order[0] as number
    if (comparePositions(watermark, { segment: oldest, offset: SEGMENT_HEADER_BYTES }) < 0) {
      watermark = { segment: oldest, offset: SEGMENT_HEADER_BYTES }
    }
    this.#watermark = watermark
    this.recovered = this.#scanRecovered()
  }

  /**
   * Opens the spool in `dir` (creating it), taking its lock: throws SpoolLockedError if a
   * live process holds it, and AuditSdkError SPOOL_IO (the OS's error as its cause) if the
   * directory cannot be made or used.
   */
  static open(options: SpoolOptions): Spool {
    try {
      mkdirSync(options.dir, { recursive: true, mode: 0o700 })
      const lock = acquireSpoolLock(options.dir)
      let ack: AckFile | undefined
      try {
        ack = AckFile.open(join(options.dir, 'ack'))
        return new Spool(options, lock, ack)
      } catch (error) {
        ack?.close()
        lock.release()
        throw error
      }
    } catch (error) {
      throw error instanceof AuditSdkError ? error : unusableDir(options.dir, error)
    }
  }

  /** Appends one record (see SpoolWriter.append and encodeFrame); returns its size in bytes. */
  append(id: string, payload: string, loggedAt: number, dropTail?: number): number {
    return this.#writer.append(id, payload, loggedAt, dropTail)
  }

  /** Writes and syncs what was appended so far now, rather than at the end of the interval. */
  expedite(): void {
    this.#writer.expedite()
  }

  /** Resolves once every record appended before the call is on stable storage. */
  sync(): Promise<void> {
    return this.#writer.sync()
  }

  /** Bytes the spool's segments take on disk, or will once the buffered records are written. */
  get bytes(): number {
    return this.#closedBytes + this.#writer.offset
  }

  /** Just past the last record appended. */
  get writePosition(): Position {
    return { segment: this.#writer.segment, offset: this.#writer.offset }
  }

  /** Records appended in this session. */
  get appended(): number {
    return this.#writer.appended
  }

  /** Records of this session in the files, which a reader can read (any change: read again). */
  get readable(): number {
    return this.#writer.writtenRecords
  }

  /** Records of this session on stable storage. */
  get synced(): number {
    return this.#writer.synced
  }

  /** Everything before this position is acknowledged. */
  get watermark(): Position {
    return this.#watermark
  }

  /** A reader from the watermark on. Damage in recovered segments was reported by the scan. */
  openReader(): SpoolReader {
    return new SpoolReader(this, this.#watermark, (region) => {
      if (region.segment >= this.firstSessionSegment) this.#options.onCorrupt(region)
    })
  }

  /**
   * Moves the watermark to `position` (never back): every record before it is acknowledged
   * or dead-lettered. Segments wholly before it are deleted.
   */
  acknowledge(position: Position): void {
    if (this.#closing || comparePositions(position, this.#watermark) <= 0) return
    let at = position
    // A closed segment read to its end: the watermark moves on to the next one.
    while (this.#isReadToEnd(at)) {
      const next = this.nextSegment(at.segment)
      if (next === undefined) break
      at = { segment: next, offset: SEGMENT_HEADER_BYTES }
    }
    this.#watermark = at
    try {
      this.#ack.write(at)
    } catch (error) {
      // Only costs resending acknowledged events after a restart (answered `duplicate`).
      this.#options.onError(error, 'writing the acknowledgement watermark')
    }
    while ((this.#order[0] as number) < at.segment) {
      const segment = this.#order.shift() as number
      this.#closedBytes -= this.#segments.get(segment)?.bytes ?? 0
      this.#segments.delete(segment)
      unlink(segmentPath(this.dir, segment), (error) => {
        if (error && error.code !== 'ENOENT') this.#options.onError(error, `deleting ${segment}`)
      })
    }
  }

  /** When the record at `position` was logged, read from its header; undefined if unreadable. */
  loggedAtOf(position: Position): number | undefined {
    if (this.#closing || !this.#segments.has(position.segment)) return undefined
    const header = Buffer.alloc(20)
    let fd: number | undefined
    try {
      fd = openSync(segmentPath(this.dir, position.segment), 'r')
      if (readSync(fd, header, 0, header.length, position.offset) < header.length) return undefined
    } catch {
      return undefined
    } finally {
      if (fd !== undefined) closeSync(fd)
    }
    return header.subarray(0, 4).equals(FRAME_MAGIC) ? header.readDoubleLE(12) : undefined
  }

  /**
   * Syncs everything, records the watermark durably and releases the lock. If records could
   * not be written, it rejects saying how many and keeps them (the `exit` hook writes them),
   * the files and the lock, so that no other logger takes the spool over meanwhile: close()
   * again tries again.
   */
  async close(): Promise<void> {
    if (this.#released) return
    this.#closing = true
    try {
      await this.#writer.close()
    } catch (error) {
      if (this.#writer.unwritten === 0) await this.#release()
      throw error
    }
    await this.#release()
  }

  /** Whether append() refuses records: the spool is closing (its last commit has begun) or closed. */
  get closed(): boolean {
    return this.#writer.closed
  }

  async #release(): Promise<void> {
    if (this.#released) return
    this.#released = true
    try {
      await this.recovered.catch(() => undefined)
      this.#ack.close()
    } finally {
      this.#lock.release()
    }
  }

  readLimit(segment: number): { limit: number; final: boolean } | undefined {
    // Only what is in the file: records buffered for the group commit are not, yet.
    const written = this.#writer.written
    if (segment >= written.segment) {
      if (!this.#segments.has(segment)) return undefined
      const limit = segment === written.segment ? written.offset : SEGMENT_HEADER_BYTES
      return { limit, final: false }
    }
    const state = this.#segments.get(segment)
    return state && { limit: state.bytes, final: state.final }
  }

  nextSegment(segment: number): number | undefined {
    return this.#order.find((s) => s > segment)
  }

  path(segment: number): string {
    return segmentPath(this.dir, segment)
  }

  #isReadToEnd(at: Position): boolean {
    const segment = this.#segments.get(at.segment)
    return segment !== undefined && segment.final && at.offset >= segment.bytes
  }

  #rotated(closed: number, bytes: number, started: number): void {
    this.#segments.set(closed, { bytes, final: true })
    this.#closedBytes += bytes
    this.#segments.set(started, { bytes: SEGMENT_HEADER_BYTES, final: false })
    this.#order.push(started)
  }

  /** Counts the records of recovered segments and reports damage in them. */
  async #scanRecovered(): Promise<Recovered> {
    const result: Recovered = { records: 0, oldestLoggedAt: undefined }
    let from = this.#watermark
    for (const segment of this.#order) {
      if (segment >= this.firstSessionSegment) break
      if (segment < from.segment) continue
      const { bytes } = this.#segments.get(segment) as Segment
      const path = segmentPath(this.dir, segment)
      const cursor = await SegmentCursor.open(path, segment, from.offset, this.#options.onCorrupt)
      from = { segment: segment + 1, offset: SEGMENT_HEADER_BYTES }
      if (cursor === undefined) continue
      try {
        let record = await cursor.next(bytes, true)
        while (record !== undefined) {
          result.records++
          result.oldestLoggedAt ??= record.loggedAt
          record = await cursor.next(bytes, true)
        }
      } finally {
        await cursor.close()
      }
    }
    return result
  }
}

/** What went wrong with spoolDir (createAuditLogger's option), the OS's error as the cause. */
function unusableDir(dir: string, error: unknown): AuditSdkError {
  const code = (error as { code?: unknown } | null)?.code
  const hint =
    code === 'EEXIST' || code === 'ENOTDIR'
      ? ': it, or a directory above it, is not a directory'
      : code === 'EACCES' || code === 'EPERM'
        ? ': this process may not create or write it'
        : code === 'ENOSPC' || code === 'EDQUOT'
          ? ': its disk is full'
          : ''
  return new AuditSdkError(
    'SPOOL_IO',
    `cannot open the spool in spoolDir ${JSON.stringify(dir)}${hint} (${errorMessage(error)})`,
    { cause: error },
  )
}
