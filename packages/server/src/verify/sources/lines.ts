// Splitting a byte stream into lines without decoding it first: NDJSON exports are read in
// large chunks and each line is handed on as a view of the chunk (a copy only when a line
// spans two chunks), so the bytes that are hashed are exactly the bytes that were read.

/** Longest line accepted: an event is at most 64 KiB canonical, an export line a little more. */
export const MAX_LINE_BYTES = 1024 * 1024

export type Line = { bytes: Buffer; tooLong?: false } | { bytes?: undefined; tooLong: true }

const NEWLINE = 0x0a

/**
 * lines yields each line of `chunks` without its newline; an empty line is skipped, and a
 * line longer than MAX_LINE_BYTES is reported as `tooLong` instead of held in memory.
 */
export async function* lines(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Line> {
  let carry: Buffer | undefined
  let skipping = false
  for await (const chunk of chunks) {
    const buffer = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    let start = 0
    for (;;) {
      const end = buffer.indexOf(NEWLINE, start)
      if (end < 0) break
      if (skipping) {
        skipping = false
      } else if (carry !== undefined) {
        const line = Buffer.concat([carry, buffer.subarray(start, end)])
        carry = undefined
        if (line.length > MAX_LINE_BYTES) yield { tooLong: true }
        else if (line.length > 0) yield { bytes: line }
      } else if (end - start > MAX_LINE_BYTES) {
        yield { tooLong: true }
      } else if (end > start) {
        yield { bytes: buffer.subarray(start, end) }
      }
      start = end + 1
    }
    if (skipping || start === buffer.length) continue
    const rest = buffer.subarray(start)
    carry = carry === undefined ? Buffer.from(rest) : Buffer.concat([carry, rest])
    if (carry.length > MAX_LINE_BYTES) {
      carry = undefined
      skipping = true
      yield { tooLong: true }
    }
  }
  if (carry !== undefined && carry.length > 0) yield { bytes: carry }
}
