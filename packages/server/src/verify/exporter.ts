// `auditseal export`: a tenant's events as NDJSON (byte for byte what the export API sends and
// what `verify --export` checks: eventJson per line) or CSV, from the database or through the
// API, written with backpressure so memory stays at one page whatever the size.

import { once } from 'node:events'
import type { Writable } from 'node:stream'
import { createTreeHasher } from '@auditseal/core'
import { nodeCrypto } from '../crypto/node-crypto.js'
import type { Database } from '../db/database.js'
import { csvHeader, csvRow } from '../http/services/csv.js'
import type { EventFilter } from '../store/event-filter.js'
import { eventJson } from '../store/event-rows.js'
import { LogReader } from '../store/log-reader.js'
import type { Progress } from './progress.js'
import type { ApiClient } from './sources/api-client.js'

export type ExportFormat = 'ndjson' | 'csv'

/** Characters written per write() call: one per event would cost more than the event. */
const CHUNK_CHARS = 64 * 1024

/**
 * Exports from the database, as auditseal_reader scoped to the tenant. Like the export API it
 * is a snapshot: it stops at the log's size when it began. Returns the events written and
 * that size (0: the tenant has no events at all).
 */
export async function exportFromDatabase(options: {
  db: Database
  tenant: string
  format: ExportFormat
  filter: EventFilter
  out: Writable
  progress: Progress
}): Promise<{ events: number; logSize: number }> {
  const reader = new LogReader(options.db, createTreeHasher(nodeCrypto))
  const { treeSize } = await reader.head(options.tenant)
  const filtered = Object.keys(options.filter).length > 0
  options.progress.start(filtered ? undefined : treeSize, 'events')
  const line =
    options.format === 'ndjson'
      ? (e: Parameters<typeof eventJson>[0]) => `${eventJson(e)}\n`
      : csvRow
  let chunk = options.format === 'csv' ? csvHeader() : ''
  let count = 0
  try {
    for await (const event of reader.exportEvents(options.tenant, options.filter, 10_000)) {
      if (event.seq >= treeSize) break
      chunk += line(event)
      count++
      options.progress.tick()
      if (chunk.length >= CHUNK_CHARS) {
        await write(options.out, chunk)
        chunk = ''
      }
    }
    if (chunk !== '') await write(options.out, chunk)
  } finally {
    options.progress.stop()
  }
  return { events: count, logSize: treeSize }
}

/** Exports through the API: its bytes as they arrive. Returns the lines written. */
export async function exportFromApi(options: {
  client: ApiClient
  format: ExportFormat
  filters: Record<string, string>
  expected: number | undefined
  out: Writable
  progress: Progress
}): Promise<number> {
  options.progress.start(options.expected, options.format === 'csv' ? 'rows' : 'events')
  let lines = 0
  try {
    for await (const chunk of await options.client.export(options.format, options.filters)) {
      const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
      let newlines = 0
      for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, i + 1)) newlines++
      lines += newlines
      options.progress.tick(newlines)
      await write(options.out, bytes)
    }
  } finally {
    options.progress.stop()
  }
  return options.format === 'csv' ? Math.max(0, lines - 1) : lines
}

async function write(out: Writable, data: string | Uint8Array): Promise<void> {
  if (!out.write(data)) await once(out, 'drain')
}
