// A batch of events made ready for sealing, before the tenant's head is locked: each event's
// canonical text (with recorded_at) written once, as UTF-8, into one buffer that goes to the
// database as it is, and its leaf hash computed from those very bytes.

import type { AuditEvent, TreeHasher } from '@auditseal/core'
import { canonicalJson } from '@auditseal/core'

/**
 * The canonical texts are separated by a line feed: RFC 8785 escapes every control character
 * inside strings and adds no whitespace, so no canonical text holds a raw one, and the
 * database splits the batch with string_to_table.
 */
const SEPARATOR_BYTE = 0x0a // chr(10) in the sealer's SQL

/**
 * Events canonicalized between pauses, so a big batch never holds the event loop for long: the
 * other seals in flight wait on it for their next round trip (about 0.3 ms per slice here).
 */
const EVENTS_PER_SLICE = 50

/**
 * Buffers for what a seal sends as bytes (its canonical texts, then its query columns), reused
 * from one seal to the next: a fresh megabyte buffer costs a page fault per 4 KiB on first
 * touch, which showed as a tenth of the sealer's own CPU time. Two per seal in progress; at
 * most a few are kept, none very large.
 */
export class TextBuffers {
  readonly #free: Buffer[] = []

  constructor(
    private readonly keep = 4,
    private readonly largestKept = 32 * 1024 * 1024,
  ) {}

  take(bytes: number): Buffer {
    const i = this.#free.findIndex((b) => b.length >= bytes)
    if (i >= 0) return this.#free.splice(i, 1)[0] as Buffer
    return Buffer.allocUnsafeSlow(Math.max(bytes, 1024 * 1024))
  }

  /** Takes back a buffer no one reads any more. */
  give(buffer: Buffer): void {
    if (this.#free.length < this.keep && buffer.length <= this.largestKept) {
      this.#free.push(buffer)
    }
  }
}

export interface PreparedBatch {
  readonly events: readonly AuditEvent[]
  /** The buffer `texts` lies in, to give back once the seal is over. */
  readonly storage: Buffer
  /** The canonical texts in batch order, one per line, as UTF-8. */
  readonly texts: Buffer
  /** Where each event's text ends in `texts`; event i's starts one byte after event i-1's end. */
  readonly ends: Uint32Array
  readonly leafHashes: readonly Uint8Array[]
}

export async function prepareBatch(
  hasher: TreeHasher,
  events: readonly AuditEvent[],
  recordedAt: string,
  buffers: TextBuffers,
): Promise<PreparedBatch> {
  // Most events' canonical text is well under 1 KiB; the buffer doubles when it is not.
  let texts = buffers.take(events.length * 1024)
  let length = 0
  const ends = new Uint32Array(events.length)
  const leafHashes: Uint8Array[] = []
  // An index loop: an entries() iterator lives across the awaits, and its [i, event] pairs
  // were garbage to collect, one per event.
  for (let i = 0; i < events.length; i++) {
    if (i > 0 && i % EVENTS_PER_SLICE === 0) await new Promise((resolve) => setImmediate(resolve))
    const canonical = canonicalJson(events[i] as AuditEvent, recordedAt)
    // A UTF-16 unit becomes at most 3 UTF-8 bytes; +1 for the separator.
    const room = length + 3 * canonical.length + 1
    if (room > texts.length) texts = grown(buffers, texts, length, room)
    if (i > 0) texts[length++] = SEPARATOR_BYTE
    const start = length
    length += texts.write(canonical, start)
    ends[i] = length
    leafHashes.push(hasher.leafHash(texts.subarray(start, length)))
  }
  return { events, storage: texts, texts: texts.subarray(0, length), ends, leafHashes }
}

function grown(buffers: TextBuffers, buffer: Buffer, used: number, needed: number): Buffer {
  const bigger = buffers.take(Math.max(needed, 2 * buffer.length))
  buffer.copy(bigger, 0, 0, used)
  buffers.give(buffer)
  return bigger
}

/** The canonical texts of the events at `indexes` (ascending), one per line. */
export function textsOf(batch: PreparedBatch, indexes: readonly number[]): Buffer {
  if (indexes.length === batch.events.length) return batch.texts
  const parts: Buffer[] = []
  for (const [k, i] of indexes.entries()) {
    const start = i === 0 ? 0 : (batch.ends[i - 1] as number) + 1
    if (k > 0) parts.push(SEPARATOR)
    parts.push(batch.texts.subarray(start, batch.ends[i]))
  }
  return Buffer.concat(parts)
}

const SEPARATOR = Buffer.of(SEPARATOR_BYTE)
