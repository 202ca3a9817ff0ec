// Where a record is: segment number and byte offset. Segment numbers only grow, so positions
// order the records of a spool across files and across restarts.

import { readdirSync } from 'node:fs'
import { join } from 'node:path'

export interface Position {
  readonly segment: number
  readonly offset: number
}

export function comparePositions(a: Position, b: Position): number {
  return a.segment !== b.segment ? a.segment - b.segment : a.offset - b.offset
}

const SEGMENT_NAME = /^seg-(\d{12})\.log$/

/** `seg-000000000042.log`: fixed width, so names sort as numbers do. */
export function segmentFileName(segment: number): string {
  return `seg-${String(segment).padStart(12, '0')}.log`
}

export function segmentPath(dir: string, segment: number): string {
  return join(dir, segmentFileName(segment))
}

/** The segment numbers present in `dir`, ascending. */
export function listSegments(dir: string): number[] {
  const numbers: number[] = []
  for (const name of readdirSync(dir)) {
    const match = SEGMENT_NAME.exec(name)
    if (match) numbers.push(Number(match[1]))
  }
  return numbers.sort((a, b) => a - b)
}
