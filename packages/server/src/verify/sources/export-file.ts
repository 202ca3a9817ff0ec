// An NDJSON export on disk (`auditseal export --format ndjson`, or GET /v1/export), read in
// 1 MiB chunks. It has no checkpoints of its own: give them with --checkpoint / --trusted.

import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { VerifyError } from '../errors.js'
import type { CheckedBatch } from './export-batch.js'
import { parseExportLine } from './export-line.js'
import { lines, MAX_LINE_BYTES } from './lines.js'
import type { ParallelOptions } from './parallel.js'
import { checkedBatches } from './parallel.js'
import type { EventRecord, LogSource } from './types.js'

export class ExportFileSource implements LogSource {
  readonly kind = 'export' as const

  constructor(readonly path: string) {}

  get label(): string {
    return this.path
  }

  /** Fails early, with a clear message, when the file cannot be read. */
  async open(): Promise<void> {
    try {
      const info = await stat(this.path)
      if (!info.isFile()) throw new Error('not a file')
    } catch (error) {
      throw new VerifyError(
        'IO',
        `cannot read the export ${this.path}: ${(error as Error).message}`,
        { cause: error },
      )
    }
  }

  /**
   * The tenant_id of the first line, if it is an event that names one: to tell an auditor who
   * gave another tenant's key why every event differs. Only a hint — the line is not verified.
   */
  async firstTenant(): Promise<string | undefined> {
    const stream = createReadStream(this.path, { highWaterMark: 64 * 1024 })
    try {
      for await (const line of lines(stream)) {
        if (!line.bytes) return undefined
        const tenant = (JSON.parse(line.bytes.toString('utf8')) as { tenant_id?: unknown } | null)
          ?.tenant_id
        return typeof tenant === 'string' ? tenant : undefined
      }
      return undefined
    } catch {
      return undefined // not JSON: the verification says what is wrong with it
    } finally {
      stream.destroy()
    }
  }

  async checkpoints(): Promise<undefined> {
    return undefined
  }

  async expectedEvents(): Promise<undefined> {
    return undefined
  }

  async *events(): AsyncGenerator<EventRecord> {
    yield* exportRecords(createReadStream(this.path, { highWaterMark: 1024 * 1024 }))
  }

  /**
   * The events already checked on their own (checkRecord), in batches and in file order:
   * what events() gives, with the per-event work done on worker threads.
   */
  checkedBatches(options: ParallelOptions): AsyncGenerator<CheckedBatch> {
    return checkedBatches(this.path, options)
  }

  async close(): Promise<void> {}
}

/** The records of an NDJSON export, from its bytes. */
export async function* exportRecords(
  chunks: AsyncIterable<Uint8Array>,
): AsyncGenerator<EventRecord> {
  for await (const line of lines(chunks)) {
    if (line.bytes) yield parseExportLine(line.bytes)
    else yield TOO_LONG
  }
}

const TOO_LONG: EventRecord = {
  seq: undefined,
  seqText: '(unreadable)',
  canonical: '',
  leafHash: undefined,
  formatProblem: `the line is longer than ${MAX_LINE_BYTES} bytes`,
}
