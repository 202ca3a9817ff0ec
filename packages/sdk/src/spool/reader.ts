// Reads the spool's records in order across segments, from the acknowledgement watermark on.
// What it holds in memory is one read buffer and the records of the batch being formed:
// whatever the backlog on disk, memory stays bounded.

import { SegmentCursor } from './cursor.js'
import type { CorruptRegion, SpoolRecord } from './cursor.js'
import { SEGMENT_HEADER_BYTES } from './frame.js'
import { comparePositions } from './position.js'
import type { Position } from './position.js'

/** What the reader needs to know about the segments on disk. */
export interface SegmentView {
  /**
   * How far a segment may be read and whether that is its end for good (it is closed), or
   * undefined when the segment is not part of the spool (acknowledged and deleted).
   */
  readLimit(segment: number): { limit: number; final: boolean } | undefined
  /** The segment after `segment`, or undefined if `segment` is the newest. */
  nextSegment(segment: number): number | undefined
  path(segment: number): string
}

export class SpoolReader {
  readonly #view: SegmentView
  readonly #onCorrupt: (region: CorruptRegion) => void
  #position: Position
  #cursor: SegmentCursor | undefined
  /** Where the last damaged region reported ends: a failed read, done again, meets it again. */
  #reportedTo: Position

  constructor(view: SegmentView, from: Position, onCorrupt: (region: CorruptRegion) => void) {
    this.#view = view
    this.#position = from
    this.#reportedTo = { segment: from.segment, offset: 0 } // a damaged header starts at 0
    this.#onCorrupt = (region) => {
      const at = { segment: region.segment, offset: region.offset }
      if (comparePositions(at, this.#reportedTo) < 0) return // met again after a failed read
      this.#reportedTo = { segment: region.segment, offset: region.offset + region.bytes }
      onCorrupt(region)
    }
  }

  /** The position of the next record to read (everything before it has been read). */
  get position(): Position {
    return this.#position
  }

  /**
   * Up to `maxRecords` records holding up to about `maxBytes` of payload (at least one record
   * when any is there), in spool order; fewer, or none, when the reader has caught up.
   * All or nothing: if reading fails (a segment cannot be opened, a read fails), the position
   * goes back to where this read started and the error is thrown, so the records it had
   * collected are read again by the next read rather than skipped.
   */
  async read(maxRecords: number, maxBytes: number): Promise<SpoolRecord[]> {
    const from = this.#position
    try {
      return await this.#collect(maxRecords, maxBytes)
    } catch (error) {
      // The open cursor may be past `from`, or on a later segment: the next read reopens the
      // segment at `from`.
      await this.reset()
      this.#position = from
      throw error
    }
  }

  async #collect(maxRecords: number, maxBytes: number): Promise<SpoolRecord[]> {
    const records: SpoolRecord[] = []
    let bytes = 0
    while (records.length < maxRecords && bytes < maxBytes) {
      const segment = this.#position.segment
      const bounds = this.#view.readLimit(segment)
      if (bounds === undefined) {
        if (!(await this.#advance())) break
        continue
      }
      this.#cursor ??= await SegmentCursor.open(
        this.#view.path(segment),
        segment,
        this.#position.offset,
        this.#onCorrupt,
      )
      if (this.#cursor === undefined) {
        if (!(await this.#advance())) break
        continue
      }
      const record = await this.#cursor.next(bounds.limit, bounds.final)
      if (record !== undefined) {
        records.push(record)
        bytes += record.payload.length
        this.#position = { segment, offset: record.end }
        continue
      }
      this.#position = { segment, offset: this.#cursor.position }
      if (!bounds.final) {
        // Caught up with the writer, unless it closed the segment while this read waited.
        if (this.#view.readLimit(segment)?.final) continue
        break
      }
      // A closed segment read to its end; the writer's segment always follows it.
      if (!(await this.#advance())) break
    }
    return records
  }

  /** Drops the open segment after a failed read; the next read reopens it at the position. */
  async reset(): Promise<void> {
    await this.close().catch(() => undefined)
  }

  async close(): Promise<void> {
    const cursor = this.#cursor
    this.#cursor = undefined
    await cursor?.close()
  }

  /** Moves to the start of the next segment; false if there is none yet. */
  async #advance(): Promise<boolean> {
    const next = this.#view.nextSegment(this.#position.segment)
    if (next === undefined) return false
    await this.close()
    this.#position = { segment: next, offset: SEGMENT_HEADER_BYTES }
    return true
  }
}
