// Reads the records of one segment file in order, in large chunks. Damage never stops it:
// a record that fails its checksum, a torn record at the end of a file that was being written
// when its process died, or garbage in the middle are skipped up to the next record that
// checks out (found by its magic number), and each damaged region is reported.

import { open } from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'
import {
  decodeFrame,
  findMagic,
  FRAME_HEADER_BYTES,
  FRAME_MAGIC,
  SEGMENT_HEADER,
  SEGMENT_HEADER_BYTES,
} from './frame.js'

const CHUNK_BYTES = 1 << 20

/** One record read back from the spool. */
export interface SpoolRecord {
  id: string
  /** Unix ms when log() took it. */
  loggedAt: number
  /** The event as UTF-8 JSON (a copy: it outlives the read buffer). */
  payload: Buffer
  segment: number
  /** Offset of the record's first byte in its segment. */
  offset: number
  /** Offset just past the record. */
  end: number
}

/** A damaged region that was skipped: [offset, offset + bytes) of a segment. */
export interface CorruptRegion {
  segment: number
  offset: number
  bytes: number
}

export class SegmentCursor {
  readonly segment: number
  readonly #file: FileHandle
  readonly #onCorrupt: (region: CorruptRegion) => void
  #buf = Buffer.allocUnsafe(CHUNK_BYTES)
  /** File offset of buf[0] and how many bytes of buf are valid. */
  #bufStart = 0
  #bufLength = 0
  #position: number
  /** Start of the damaged region being skipped, if any. */
  #damageStart: number | undefined
  /** Where the file was found to end, if before a limit it was read to. */
  #fileEnd = Infinity

  private constructor(
    segment: number,
    file: FileHandle,
    position: number,
    onCorrupt: (region: CorruptRegion) => void,
  ) {
    this.segment = segment
    this.#file = file
    this.#position = position
    this.#onCorrupt = onCorrupt
  }

  /**
   * Opens a segment at `position` (at least the header's size), or returns undefined if the
   * file is gone (acknowledged and deleted). A file whose header is wrong is all damage.
   */
  static async open(
    path: string,
    segment: number,
    position: number,
    onCorrupt: (region: CorruptRegion) => void,
  ): Promise<SegmentCursor | undefined> {
    let file: FileHandle
    try {
      file = await open(path, 'r')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
    const cursor = new SegmentCursor(
      segment,
      file,
      Math.max(position, SEGMENT_HEADER_BYTES),
      onCorrupt,
    )
    const header = Buffer.alloc(SEGMENT_HEADER_BYTES)
    let bytesRead: number
    try {
      ;({ bytesRead } = await file.read(header, 0, SEGMENT_HEADER_BYTES, 0))
    } catch (error) {
      await file.close().catch(() => undefined) // the read's error is the one to report
      throw error
    }
    // A header cut short is a file created just before a crash: nothing was appended to it.
    // A wrong one is damage, reported from the file's start when reading from there.
    const damaged = bytesRead === SEGMENT_HEADER_BYTES && !header.equals(SEGMENT_HEADER)
    if (damaged && cursor.#position === SEGMENT_HEADER_BYTES) cursor.#damageStart = 0
    return cursor
  }

  /** Offset of the next byte to read. */
  get position(): number {
    return this.#position
  }

  /**
   * The next whole record that ends at or before `limit`, or undefined when there is none yet.
   * `final` says no byte will ever be added before `limit` (a closed segment, read to its end):
   * then anything left that is not a whole record is damage, reported and skipped.
   */
  async next(limit: number, final: boolean): Promise<SpoolRecord | undefined> {
    for (;;) {
      const stop = Math.min(limit, this.#fileEnd)
      if (this.#position >= stop) {
        if (final) this.#endDamage(stop)
        return undefined
      }
      if (this.#damageStart !== undefined && !(await this.#resync(stop, final))) return undefined
      const rel = this.#position - this.#bufStart
      const end = Math.min(this.#bufLength, stop - this.#bufStart)
      const result = rel < end ? decodeFrame(this.#buf, rel, end) : ('short' as const)
      if (typeof result === 'object') {
        const record: SpoolRecord = {
          id: result.id,
          loggedAt: result.loggedAt,
          payload: Buffer.from(this.#buf.subarray(result.payloadStart, result.end)),
          segment: this.segment,
          offset: this.#position,
          end: this.#bufStart + result.end,
        }
        this.#position = record.end
        return record
      }
      if (result === 'short' && this.#bufStart + this.#bufLength < stop) {
        await this.#fill(this.#position, stop, this.#wanted(rel, end))
        continue
      }
      if (result === 'short' && !final) return undefined // the rest is still being written
      // Corrupt, or a record cut short by the end of a closed file: skip to a good record.
      this.#damageStart ??= this.#position
      this.#position++
    }
  }

  async close(): Promise<void> {
    await this.#file.close()
  }

  /**
   * Moves past damage to the next offset where a whole, valid record starts. Returns false
   * when there is none before `limit` (yet).
   */
  async #resync(stop: number, final: boolean): Promise<boolean> {
    for (;;) {
      const limit = Math.min(stop, this.#fileEnd)
      if (this.#position >= limit) {
        if (final) this.#endDamage(limit)
        return false
      }
      let rel = this.#position - this.#bufStart
      if (rel >= this.#bufLength) {
        await this.#fill(this.#position, limit, FRAME_HEADER_BYTES)
        rel = 0
      }
      const end = Math.min(this.#bufLength, limit - this.#bufStart)
      const at = findMagic(this.#buf, rel, end)
      if (at < 0) {
        const searched = this.#bufStart + end
        // Keep the last few bytes: a magic number may straddle the chunk boundary.
        this.#position =
          searched >= limit
            ? limit
            : Math.max(this.#position + 1, searched - FRAME_MAGIC.length + 1)
        if (this.#position < limit) await this.#fill(this.#position, limit, FRAME_HEADER_BYTES)
        continue
      }
      this.#position = this.#bufStart + at
      let result = decodeFrame(this.#buf, at, end)
      if (result === 'short' && this.#bufStart + this.#bufLength < limit) {
        await this.#fill(this.#position, limit, this.#wanted(at, end))
        result = decodeFrame(this.#buf, 0, Math.min(this.#bufLength, limit - this.#bufStart))
      }
      if (typeof result === 'object') {
        this.#endDamage(this.#position)
        return true
      }
      if (result === 'short' && !final) return false // maybe a record still being written
      this.#position++ // a false magic (inside damaged bytes or a payload): keep looking
    }
  }

  #endDamage(at: number): void {
    if (this.#damageStart === undefined) return
    const region = {
      segment: this.segment,
      offset: this.#damageStart,
      bytes: at - this.#damageStart,
    }
    this.#damageStart = undefined
    if (region.bytes > 0) this.#onCorrupt(region)
  }

  /** Bytes needed to decode the (possibly partial) frame at buf[rel..end). */
  #wanted(rel: number, end: number): number {
    if (rel < 0 || end - rel < 8) return FRAME_HEADER_BYTES
    return FRAME_HEADER_BYTES + this.#buf.readUInt32LE(rel + 4)
  }

  /** Reads from `from` at least `min` bytes (if there are that many before `limit`). */
  async #fill(from: number, limit: number, min: number): Promise<void> {
    const size = Math.max(CHUNK_BYTES, min)
    if (this.#buf.length < size) this.#buf = Buffer.allocUnsafe(size)
    const want = Math.min(size, limit - from)
    let got = 0
    while (got < want) {
      const { bytesRead } = await this.#file.read(this.#buf, got, want - got, from + got)
      if (bytesRead === 0) {
        this.#fileEnd = from + got // shorter than its recorded size: read what there is
        break
      }
      got += bytesRead
    }
    this.#bufStart = from
    this.#bufLength = got
  }
}
