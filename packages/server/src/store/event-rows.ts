// A stored row back into the shape the API and exports return: the members of E at top
// level plus `seq` and `leaf_hash` (architecture §2).

import { toBase64 } from '@auditseal/core'
import { asBytes } from './hex.js'

export interface EventRow {
  seq: number | string
  canonical: string
  leaf_hash: unknown
}

/** The columns every event query selects. */
export const EVENT_COLUMNS = 'seq, canonical, leaf_hash'

export interface StoredEvent {
  seq: number
  leafHash: Uint8Array
  /** The exact RFC 8785 text that was hashed. */
  canonical: string
}

export function toStoredEvent(row: EventRow): StoredEvent {
  return { seq: Number(row.seq), leafHash: asBytes(row.leaf_hash), canonical: row.canonical }
}

/**
 * The event as one JSON text: E's canonical members, then seq and leaf_hash. Built by
 * splicing the stored text rather than parse-and-stringify, so exports stay cheap; the
 * result is valid JSON whose members other than seq/leaf_hash are exactly E.
 */
export function eventJson(event: StoredEvent): string {
  const body = event.canonical.slice(0, -1) // drop the closing brace of the object
  return `${body},"seq":${event.seq},"leaf_hash":"${toBase64(event.leafHash)}"}`
}

/** The event as a plain object, for JSON responses. */
export function eventObject(event: StoredEvent): Record<string, unknown> {
  return {
    ...(JSON.parse(event.canonical) as object),
    seq: event.seq,
    leaf_hash: toBase64(event.leafHash),
  }
}
