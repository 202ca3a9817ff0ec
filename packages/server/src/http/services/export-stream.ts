// The body of GET /v1/export: the tenant's matching events in seq order, as NDJSON (each line
// exactly eventJson: E's canonical members plus seq and leaf_hash, what a verifier re-hashes)
// or CSV. Pulled a page at a time from the store as the client reads, so memory stays at one
// page and a slow client slows the reads (Readable.from pulls only when the socket drains).
//
// The export is a snapshot: it stops at the tree size the log had when it began, so a log
// that keeps growing cannot make it endless. That size need not be signed yet: events past
// the newest checkpoint at or below it are what the verifier reports as an unsigned tail.

import { Readable } from 'node:stream'
import type { EventFilter } from '../../store/event-filter.js'
import { eventJson } from '../../store/event-rows.js'
import type { StoredEvent } from '../../store/event-rows.js'
import type { AuditLog } from '../../store/audit-log.js'
import { csvHeader, csvRow } from './csv.js'

export type ExportFormat = 'ndjson' | 'csv'

/** Lines are sent in chunks of about this many characters, not one write per event. */
const CHUNK_CHARS = 64 * 1024

export interface ExportStream {
  /** The log's size when the export began; every exported event has seq below it. */
  treeSize: number
  body: Readable
}

/**
 * Starts an export. The first page is read before returning, so a failure to read (a bad
 * filter, an unreachable database) is still answered as a JSON error, not a broken stream.
 */
export async function startExport(
  log: AuditLog,
  tenantId: string,
  filter: EventFilter,
  format: ExportFormat,
): Promise<ExportStream> {
  const { treeSize } = await log.reader.head(tenantId)
  const events = log.reader.exportEvents(tenantId, filter)
  const first = await events.next()
  const line = format === 'ndjson' ? (e: StoredEvent) => `${eventJson(e)}\n` : csvRow
  async function* chunks(): AsyncGenerator<string> {
    let chunk = format === 'csv' ? csvHeader() : ''
    try {
      let next = first
      while (next.done !== true && next.value.seq < treeSize) {
        chunk += line(next.value)
        if (chunk.length >= CHUNK_CHARS) {
          yield chunk
          chunk = ''
        }
        next = await events.next()
      }
      if (chunk !== '') yield chunk
    } finally {
      await events.return(undefined) // the client went away, or the snapshot ended
    }
  }
  return { treeSize, body: Readable.from(chunks(), { objectMode: false }) }
}
