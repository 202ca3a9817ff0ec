// The export verifier's fast path: the file is read in large chunks into one reused buffer and
// each line is handled as bytes, never decoded — its suffix read (sealed-line.ts), E's bytes
// hashed once (SHA-256(0x00 ‖ line up to the suffix ‖ `}`)), the hash compared with the line's
// leaf_hash and handed to the verifier's speculation (LogVerifier.addSealed), which commits at
// every checkpoint size whose signed roots all match. At the first line it cannot vouch for
// this way, or a root that differs, or the end of the file before the newest checkpoint, it
// stops at the last commit and says where the full path must resume reading.

import { open } from 'node:fs/promises'
import type { LogVerifier } from '../engine.js'
import { VerifyError } from '../errors.js'
import type { Progress } from '../progress.js'
import type { TreeDigests } from '../tree.js'
import { MAX_LINE_BYTES } from './lines.js'
import { newSealedSuffix, readSealedSuffix, sameLeaf } from './sealed-line.js'

const CHUNK_BYTES = 4 * 1024 * 1024
/** Room before each chunk for the unfinished line carried over from the chunk before. */
const HEAD_ROOM = MAX_LINE_BYTES + 1
const NEWLINE = 0x0a

/** A byte range [start, end) of the file. */
export type Range = readonly [number, number]

export interface SpeculationResult {
  /** Where the full path resumes: the byte after the last committed line (0: the start). */
  readonly resumeAt: number
  /** The last two lines before resumeAt (fewer at the start), for LogVerifier.prime. */
  readonly before: readonly Range[]
}

/**
 * speculateExport runs the fast path over the export at `path` for as long as the verifier
 * speculates (call verifier.speculate() first); when it returns, the verifier no longer does.
 */
export async function speculateExport(
  path: string,
  verifier: LogVerifier,
  digests: TreeDigests,
  progress: Progress,
  options: { chunkBytes?: number; signal?: AbortSignal } = {},
): Promise<SpeculationResult> {
  const chunkBytes = options.chunkBytes ?? CHUNK_BYTES
  let result: SpeculationResult = { resumeAt: 0, before: [] }
  if (!verifier.speculating) return result
  const suffix = newSealedSuffix()
  const file = await openFile(path)
  // Two buffers: the next chunk is read into one while the lines of the other are handled.
  // Each has room before its chunk for the unfinished last line of the one before.
  const buffers = [0, 1].map(() => Buffer.allocUnsafe(HEAD_ROOM + chunkBytes))
  let position = 0
  let reading: Promise<{ bytesRead: number }> | undefined = read(
    file,
    path,
    buffers[0] as Buffer,
    HEAD_ROOM,
    position,
    chunkBytes,
  )
  try {
    let which = 0
    /** The unfinished line at the end of the buffer before: [start, end) of it. */
    let carry: Range = [0, 0]
    let previous: Range | undefined
    let last: Range | undefined
    for (;;) {
      const buffer = buffers[which] as Buffer
      const { bytesRead } = await (reading as Promise<{ bytesRead: number }>)
      if (options.signal?.aborted) {
        verifier.rewind()
        options.signal.throwIfAborted()
      }
      reading = undefined
      const carried = carry[1] - carry[0]
      ;(buffers[1 - which] as Buffer).copy(buffer, HEAD_ROOM - carried, carry[0], carry[1])
      /** File offset of buffer[0]. */
      const base = position - HEAD_ROOM
      position += bytesRead
      const atEnd = bytesRead === 0
      if (!atEnd) {
        which = 1 - which
        reading = read(file, path, buffers[which] as Buffer, HEAD_ROOM, position, chunkBytes)
      }
      const filled = HEAD_ROOM + bytesRead
      let start = HEAD_ROOM - carried
      let lines = 0
      for (;;) {
        if (start >= filled) break
        let end = buffer.indexOf(NEWLINE, start)
        if (end < 0 || end >= filled) {
          if (!atEnd) break
          end = filled // the last line, without a newline
        }
        if (end > start) {
          if (end - start > MAX_LINE_BYTES || !readSealedSuffix(buffer, start, end, suffix)) {
            verifier.rewind()
            return result
          }
          const leaf = digests.exportLeaf(buffer, start, suffix.eventEnd)
          if (!sameLeaf(leaf, suffix.leafHash)) {
            verifier.rewind()
            return result
          }
          const outcome = verifier.addSealed(suffix.seq, leaf)
          if (outcome === 'rewound') return result
          previous = last
          last = [base + start, base + end]
          lines++
          if (outcome === 'committed') {
            result = { resumeAt: base + end + 1, before: previous ? [previous, last] : [last] }
            if (!verifier.speculating) {
              progress.tick(lines)
              return result
            }
          }
        }
        start = end + 1
      }
      progress.tick(lines) // run.ts sets the count back to the vouched size after a rewind
      if (atEnd) {
        verifier.rewind() // the file ended before the newest signed size
        return result
      }
      // A longer unfinished line than any line may be is not ours to vouch for.
      if (filled - start > MAX_LINE_BYTES) {
        verifier.rewind()
        return result
      }
      carry = [start, filled]
    }
  } finally {
    await reading?.catch(() => undefined)
    await file.close()
  }
}

/** The bytes of `ranges` of the file at `path`, each as a Buffer of its own. */
export async function readRanges(path: string, ranges: readonly Range[]): Promise<Buffer[]> {
  const file = await openFile(path)
  try {
    const out: Buffer[] = []
    for (const [start, end] of ranges) {
      const bytes = Buffer.alloc(end - start)
      const { bytesRead } = await read(file, path, bytes, 0, start)
      out.push(bytes.subarray(0, bytesRead))
    }
    return out
  } finally {
    await file.close()
  }
}

type FileHandle = Awaited<ReturnType<typeof open>>

async function openFile(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r')
  } catch (error) {
    throw ioError(path, error)
  }
}

async function read(
  file: FileHandle,
  path: string,
  buffer: Buffer,
  offset: number,
  position: number,
  length = buffer.length - offset,
): Promise<{ bytesRead: number }> {
  try {
    return await file.read(buffer, offset, length, position)
  } catch (error) {
    throw ioError(path, error)
  }
}

function ioError(path: string, error: unknown): VerifyError {
  return new VerifyError('IO', `cannot read the export ${path}: ${(error as Error).message}`, {
    cause: error,
  })
}
