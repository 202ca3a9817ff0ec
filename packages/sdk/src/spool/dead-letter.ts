// Events the server refused for good (a 400 for the event alone, found by bisecting its
// batch) are moved here, one JSON line each, so the queue behind them is not blocked forever
// and nothing is dropped silently: each is counted, reported, and kept for a person to look at.

import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs'
import { join } from 'node:path'

export const DEAD_LETTER_FILE = 'dead-letter.ndjson'

export interface DeadLetter {
  id: string
  /** Why it was refused: the server's status and error, as far as known. */
  reason: { status?: number; message: string; details?: unknown }
  /** The event's JSON, exactly as it was sent. */
  payload: Buffer
}

/**
 * Appends one line and syncs it, before the caller moves the acknowledgement watermark past
 * the record: a crash in between leaves the event in the spool (sent again, refused again,
 * written again) rather than in neither place.
 */
export function appendDeadLetter(dir: string, letter: DeadLetter): void {
  const head = JSON.stringify({
    dead_at: new Date().toISOString(),
    id: letter.id,
    reason: letter.reason,
  })
  // The event's JSON is spliced in as it was sent: no parse, no re-serialization.
  const line = Buffer.concat([
    Buffer.from(`${head.slice(0, -1)},"event":`),
    letter.payload,
    Buffer.from('}\n'),
  ])
  const fd = openSync(join(dir, DEAD_LETTER_FILE), 'a', 0o600)
  try {
    writeSync(fd, line)
    fdatasyncSync(fd)
  } finally {
    closeSync(fd)
  }
}
