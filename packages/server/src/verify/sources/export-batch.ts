// The export's per-event work in batches: a buffer of whole NDJSON lines is cut, each line
// read (parseExportLine) and checked on its own (checkRecord: parse, validate, canonical
// check, leaf hash) in one synchronous pass. The same function runs on a worker thread
// (check-worker.ts) or in this one; its result is plain data, cheap to send between threads.

import type { TreeHasher } from '@auditseal/core'
import { checkRecord } from '../event-check.js'
import type { RecordCheck } from '../event-check.js'
import { parseExportLine } from './export-line.js'
import { MAX_LINE_BYTES } from './lines.js'
import type { EventRecord } from './types.js'

/** The checked lines of one batch, in order. */
export interface CheckedBatch {
  /** seq of each line; NaN where it has none usable. */
  seqs: Float64Array
  seqTexts: (string | undefined)[]
  /** The recomputed leaves, 32 bytes each. */
  leaves: Uint8Array
  /** Each line's problems; undefined where there are none. */
  problems: (string[] | undefined)[]
  /**
   * The leaf_hash a line with problems states (what the verifier's stand-in tree uses for it,
   * stand-in.ts); undefined elsewhere — where there are no problems it is the recomputed leaf.
   */
  storedLeaves: (Uint8Array | undefined)[]
  recordedAts: (string | undefined)[]
}

export const TOO_LONG: EventRecord = {
  seq: undefined,
  seqText: '(unreadable)',
  canonical: '',
  leafHash: undefined,
  formatProblem: `the line is longer than ${MAX_LINE_BYTES} bytes`,
}

const NEWLINE = 0x0a

/** checkLines checks every line of `bytes` (whole lines; empty lines skipped). */
export function checkLines(
  bytes: Buffer,
  tenantId: string,
  hasher: Pick<TreeHasher, 'leafHash'>,
): CheckedBatch {
  const records: EventRecord[] = []
  let start = 0
  while (start < bytes.length) {
    let end = bytes.indexOf(NEWLINE, start)
    if (end < 0) end = bytes.length
    if (end - start > MAX_LINE_BYTES) records.push(TOO_LONG)
    else if (end > start) records.push(parseExportLine(bytes.subarray(start, end)))
    start = end + 1
  }
  return checkRecords(records, tenantId, hasher)
}

export function checkRecords(
  records: readonly EventRecord[],
  tenantId: string,
  hasher: Pick<TreeHasher, 'leafHash'>,
): CheckedBatch {
  const n = records.length
  const batch: CheckedBatch = {
    seqs: new Float64Array(n),
    seqTexts: new Array<string | undefined>(n),
    leaves: new Uint8Array(32 * n),
    problems: new Array<string[] | undefined>(n),
    storedLeaves: new Array<Uint8Array | undefined>(n),
    recordedAts: new Array<string | undefined>(n),
  }
  for (let i = 0; i < n; i++) {
    const record = records[i] as EventRecord
    const check = checkRecord(record, tenantId, hasher)
    batch.seqs[i] = record.seq ?? Number.NaN
    batch.seqTexts[i] = record.seqText
    batch.leaves.set(check.leaf, 32 * i)
    batch.problems[i] = check.problems.length > 0 ? [...check.problems] : undefined
    // A copy: the hash may be a view of a larger pooled buffer, all of which a worker would send.
    if (check.problems.length > 0 && record.leafHash)
      batch.storedLeaves[i] = new Uint8Array(record.leafHash)
    batch.recordedAts[i] = check.recordedAt
  }
  return batch
}

/** Calls `each` with every record of a batch and its check, in order. */
export function forEachChecked(
  batch: CheckedBatch,
  each: (record: EventRecord, check: RecordCheck) => void,
): void {
  const n = batch.seqs.length
  for (let i = 0; i < n; i++) {
    const seq = batch.seqs[i] as number
    const recordedAt = batch.recordedAts[i]
    const record: EventRecord = {
      seq: Number.isNaN(seq) ? undefined : seq,
      seqText: batch.seqTexts[i],
      canonical: '',
      leafHash: batch.storedLeaves[i],
    }
    const check: RecordCheck = {
      leaf: batch.leaves.subarray(32 * i, 32 * i + 32),
      problems: batch.problems[i] ?? [],
      ...(recordedAt !== undefined ? { recordedAt } : {}),
    }
    each(record, check)
  }
}
