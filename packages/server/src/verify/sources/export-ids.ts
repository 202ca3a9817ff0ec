// The ids an NDJSON export holds more than once. No signed root tells a rewritten copy of an
// old event, appended and signed with the log's key, from a new event; only its id, which the
// sealer seals once, gives it away. The file is read a second time for this, on a worker
// thread of its own while the verifier reads it (each line's seq from its suffix and its id
// from its bytes where they are plainly canonical, sealed-line.ts, else parsed; into an
// IdLedger), so the check costs the verifier's own thread nothing where there is a compiled
// worker; else it runs on this thread, interleaved with the verification.

import { mkdtemp, open, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { compiledWorker } from '../compiled-worker.js'
import type { RepeatedIds } from '../id-ledger.js'
import { IdLedger } from '../id-ledger.js'
import { MAX_LINE_BYTES } from './lines.js'
import type { SealedSuffix } from './sealed-line.js'
import { eventIdAt, newSealedSuffix, readSealedSuffix } from './sealed-line.js'

const CHUNK_BYTES = 4 * 1024 * 1024
const NEWLINE = 0x0a

/** What the scan of an export found. */
export interface ExportIdScan extends RepeatedIds {
  /**
   * Seqs of lines whose top level is not as RFC 8785 writes it (eventIdAt answered
   * ID_NOT_PLAIN), at most `limit`, in file order: an honest log has none. The verifier's fast
   * path vouches for signed bytes without reading them, so this is how it learns of them.
   */
  readonly notCanonical: readonly number[]
  /** More such lines than `limit`. */
  readonly moreNotCanonical: boolean
}

export interface ExportIdsOptions {
  /** Where the ledger's temporary files go (default: the system's). */
  readonly tmpDir?: string
  /** Scan on this thread even where a worker could (tests). */
  readonly inThread?: boolean
  /** Stops the scan's worker (the verification ended without needing the answer). */
  readonly signal?: AbortSignal
}

/**
 * repeatedExportIds finds the ids the export at `path` holds at two or more seqs (at most
 * `limit`, those sealed first). Lines whose suffix does not read, longer than a line may be,
 * or not JSON are skipped: the verifier reports them, as it reads them on every path.
 */
export async function repeatedExportIds(
  path: string,
  limit: number,
  options: ExportIdsOptions = {},
): Promise<ExportIdScan> {
  // Made here, not by the worker: a worker stopped midway removes nothing.
  const dir = await mkdtemp(join(options.tmpDir ?? tmpdir(), 'auditseal-verify-ids-'))
  let worker: Worker | undefined
  const stop = () => void worker?.terminate()
  options.signal?.addEventListener('abort', stop, { once: true })
  try {
    options.signal?.throwIfAborted()
    const url = options.inThread ? undefined : idsWorker()
    if (url === undefined) return await scanExportIds(path, limit, dir, options.signal)
    // Compiled code needs no loader hooks the parent may run under (tsx): they slow its start.
    worker = new Worker(url, { workerData: { path, limit, tmpDir: dir }, execArgv: [] })
    const running = worker
    return await new Promise<ExportIdScan>((resolve, reject) => {
      running.once('message', (answer: { result?: ExportIdScan; error?: string }) => {
        if (answer.result) resolve(answer.result)
        else reject(new Error(answer.error ?? 'the scan failed'))
      })
      running.once('error', reject)
      running.once('exit', (code) => {
        reject(new Error(`the scan stopped (exit code ${code})`))
      })
    })
  } finally {
    options.signal?.removeEventListener('abort', stop)
    await worker?.terminate()
    await rm(dir, { recursive: true, force: true })
  }
}

/** The ids the export at `path` holds more than once, read on this thread. */
export async function scanExportIds(
  path: string,
  limit: number,
  tmpDir?: string,
  signal?: AbortSignal,
): Promise<ExportIdScan> {
  const ledger = new IdLedger(tmpDir === undefined ? {} : { tmpDir })
  const notCanonical: number[] = []
  let moreNotCanonical = false
  const notPlain = (seq: number) => {
    if (notCanonical.length < limit) notCanonical.push(seq)
    else moreNotCanonical = true
  }
  const suffix = newSealedSuffix()
  // Read into one reused buffer, not through parallel.ts's lineBatches (a stream and a fresh
  // copy of every chunk): with those the scan took 2.0–2.1 µs per event against 1.0, more than
  // the fast path it runs beside. Each chunk is read after the unfinished line before it.
  const file = await open(path, 'r')
  const buffer = Buffer.allocUnsafe(MAX_LINE_BYTES + 1 + CHUNK_BYTES)
  try {
    let carried = 0
    let position = 0
    /** Inside a line too long to be an event, whose start was dropped. */
    let skipping = false
    for (;;) {
      signal?.throwIfAborted()
      const { bytesRead } = await file.read(buffer, carried, CHUNK_BYTES, position)
      position += bytesRead
      const filled = carried + bytesRead
      const atEnd = bytesRead === 0
      let start = 0
      while (start < filled) {
        let end = buffer.indexOf(NEWLINE, start)
        if (end < 0 || end >= filled) {
          if (!atEnd) break
          end = filled // the last line, without a newline
        }
        if (skipping) skipping = false
        else if (end > start && end - start <= MAX_LINE_BYTES) {
          addLine(ledger, buffer, start, end, suffix, notPlain)
        }
        start = end + 1
      }
      if (atEnd) break
      carried = Math.max(filled - start, 0)
      if (carried > MAX_LINE_BYTES) {
        skipping = true
        carried = 0
      } else {
        buffer.copy(buffer, 0, start, filled)
      }
    }
    return { ...ledger.finish(limit), notCanonical, moreNotCanonical }
  } finally {
    await file.close()
    ledger.close()
  }
}

/**
 * Records the id and seq of the export line bytes[start, end). Its seq is read as the
 * verifier reads it, strictly from the suffix (a line not in that form is reported by the
 * verifier); its id from the bytes where they are plainly canonical, else as JSON.parse reads
 * it — lines a signed root vouches for are not checked event by event on the verifier's fast
 * path, so whoever holds the signing key could sign a copy in some other form.
 */
function addLine(
  ledger: IdLedger,
  bytes: Buffer,
  start: number,
  end: number,
  suffix: SealedSuffix,
  notPlain: (seq: number) => void,
): void {
  if (!readSealedSuffix(bytes, start, end, suffix)) return
  const at = eventIdAt(bytes, start, suffix.eventEnd)
  if (at >= 0) {
    ledger.addBytes(suffix.seq, bytes, at)
    return
  }
  notPlain(suffix.seq)
  let event: unknown
  try {
    event = JSON.parse(`${bytes.toString('utf8', start, suffix.eventEnd)}}`)
  } catch {
    return // not JSON: no event, no id
  }
  const id = (event as { id?: unknown } | null)?.id
  if (typeof id === 'string') ledger.add(suffix.seq, id.toLowerCase())
}

/** The compiled worker the scan runs on, if there is one as new as its code. */
export function idsWorker(): URL | undefined {
  return compiledWorker('ids-worker', [
    'id-ledger',
    'sources/export-ids',
    'sources/sealed-line',
    'sources/lines',
    'compiled-worker',
  ])
}
