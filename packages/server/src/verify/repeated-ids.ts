// The check for ids sealed more than once, from whichever source is verified: a database asks
// its (tenant_id, id) index; an export is read again for its ids on a worker thread
// (sources/export-ids.ts); the API's events are fed to an IdLedger as the verifier reads them.
// The sealer seals an id once, so every later event with an id already sealed was put in — a
// rewritten copy of an old event appended and signed, which passes every signed root.

import type { RecordCheck } from './event-check.js'
import type { FindingLog } from './findings.js'
import type { RepeatedIds } from './id-ledger.js'
import { IdLedger } from './id-ledger.js'
import { DatabaseSource } from './sources/database.js'
import { repeatedExportIds } from './sources/export-ids.js'
import { ExportFileSource } from './sources/export-file.js'
import type { EventRecord, LogSource } from './sources/types.js'

/** Ids sealed more than once reported at most. */
export const MAX_REPEATED_IDS = 1000

export interface RepeatedIdCheck {
  /** Takes one event the verifier read through source.events() and checked. */
  add(record: EventRecord, check: RecordCheck): void
  /** The ids sealed more than once, once every event is read; undefined if it failed. */
  result(): Promise<RepeatedIds | undefined>
}

/**
 * Starts the check for `source` (an export's runs beside the verification from now on).
 * `signal` ends it early; a check that fails is a warning, not the end of the verification.
 */
export function checkRepeatedIds(
  source: LogSource,
  signal: AbortSignal,
  warnings: string[],
  tmpDir?: string,
): RepeatedIdCheck {
  const failed = (error: unknown) => {
    warnings.push(
      `the check for event ids sealed twice could not be made: ${(error as Error).message}`,
    )
    return undefined
  }
  if (source instanceof DatabaseSource) {
    return {
      add: () => {},
      result: async () => {
        const repeated = await source.duplicateIds(MAX_REPEATED_IDS)
        return { repeated, more: repeated.length >= MAX_REPEATED_IDS }
      },
    }
  }
  if (source instanceof ExportFileSource) {
    const running = repeatedExportIds(source.path, MAX_REPEATED_IDS, {
      signal,
      ...(tmpDir === undefined ? {} : { tmpDir }),
    })
    running.catch(() => {}) // awaited in result(), unless the verification ends first
    return { add: () => {}, result: () => running.catch(failed) }
  }
  let ledger: IdLedger | undefined = new IdLedger(tmpDir === undefined ? {} : { tmpDir })
  let problem: unknown
  signal.addEventListener('abort', () => ledger?.close(), { once: true })
  return {
    add(record, check) {
      if (ledger === undefined || check.id === undefined || record.seq === undefined) return
      try {
        ledger.add(record.seq, check.id)
      } catch (error) {
        problem = error
        ledger.close()
        ledger = undefined
      }
    },
    async result() {
      if (ledger === undefined) return failed(problem ?? new Error('the check was stopped'))
      try {
        return ledger.finish(MAX_REPEATED_IDS)
      } catch (error) {
        return failed(error)
      } finally {
        ledger.close()
      }
    },
  }
}

/** Each later event with an id sealed before is `inserted`. */
export function reportRepeatedIds(
  found: RepeatedIds | undefined,
  tenant: string,
  findings: FindingLog,
  warnings: string[],
): void {
  if (found === undefined) return
  for (const { id, seqs } of found.repeated) {
    for (const seq of seqs.slice(1)) {
      findings.add({
        kind: 'inserted',
        severity: 'error',
        tenant,
        seq,
        message: `event id ${id} was sealed at seq ${seqs[0]} already: the log seals an id once, so this second event with it was put in (a copy appended and signed passes every other check)`,
      })
    }
  }
  if (found.more) {
    warnings.push(
      `more than ${MAX_REPEATED_IDS} event ids are sealed twice or more: only the first ${MAX_REPEATED_IDS} (by seq) are reported`,
    )
  }
}
