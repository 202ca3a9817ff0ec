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

/** Events canonicalized between pauses, so a big batch never holds the event loop for long. */
const EVENTS_PER_SLICE = 200

export interface PreparedBatch {
  readonly events: readonly AuditEvent[]
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
): Promise<PreparedBatch> {
  // Most events' canonical text is well under 1 KiB; the buffer doubles when it is not.
  let texts: Buffer = Buffer.allocUnsafe(Math.max(1024, events.length * 1024))
  let length = 0
  const ends = new Uint32Array(events.length)
  const leafHashes: Uint8Array[] = []
  for (const [i, input] of events.entries()) {
    if (i > 0 && i % EVENTS_PER_SLICE === 0) await new Promise((resolve) => setImmediate(resolve))
    const canonical = canonicalJson({ ...input, recorded_at: recordedAt })
    // A UTF-16 unit becomes at most 3 UTF-8 bytes; +1 for the separator.
    const room = length + 3 * canonical.length + 1
    if (room > texts.length) texts = grown(texts, length, room)
    if (i > 0) texts[length++] = SEPARATOR_BYTE
    const start = length
    length += texts.write(canonical, start)
    ends[i] = length
    leafHashes.push(hasher.leafHash(texts.subarray(start, length)))
  }
  return { events, texts: texts.subarray(0, length), ends, leafHashes }
}

function grown(buffer: Buffer, used: number, needed: number): Buffer {
  const bigger = Buffer.allocUnsafe(Math.max(needed, 2 * buffer.length))
  buffer.copy(bigger, 0, 0, used)
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
