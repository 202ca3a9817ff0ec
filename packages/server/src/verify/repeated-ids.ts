// The check for ids sealed more than once, from whichever source is verified: a database asks
// its (tenant_id, id) index; an export is read again for its ids on a worker thread
// (sources/export-ids.ts); the API's events are fed to an IdLedger as the verifier reads them.
// The sealer seals an id once, so every later event with an id already sealed was put in — a
// rewritten copy of an old event appended and signed, which passes every signed root.

import { tmpdir } from 'node:os'
import type { RecordCheck } from './event-check.js'
import { VerifyError } from './errors.js'
import type { FindingLog } from './findings.js'
import type { RepeatedIds } from './id-ledger.js'
import { IdLedger } from './id-ledger.js'
import { DatabaseSource } from './sources/database.js'
import type { ExportIdScan } from './sources/export-ids.js'
import { repeatedExportIds } from './sources/export-ids.js'
import { ExportFileSource } from './sources/export-file.js'
import type { EventRecord, LogSource } from './sources/types.js'

/** Ids sealed more than once reported at most. */
export const MAX_REPEATED_IDS = 1000

/** What the check found: the ids sealed more than once, and for an export what else it saw. */
export type RepeatedIdResult = RepeatedIds &
  Partial<Pick<ExportIdScan, 'notCanonical' | 'moreNotCanonical'>>

export interface RepeatedIdCheck {
  /** Takes one event the verifier read through source.events() and checked. */
  add(record: EventRecord, check: RecordCheck): void
  /**
   * The ids sealed more than once, once every event is read. Rejects (an I/O error, exit 2)
   * when the check could not be made: a log is never called intact without it.
   */
  result(): Promise<RepeatedIdResult>
  /** Stops the check, if it still runs, and removes its temporary files. */
  close(): Promise<void>
}

/**
 * Starts the check for `source` (an export's runs beside the verification from now on).
 * `signal` stops it at once, its temporary files removed, wherever the verification waits.
 */
export function checkRepeatedIds(
  source: LogSource,
  signal?: AbortSignal,
  tmpDir?: string,
): RepeatedIdCheck {
  const dir = tmpDir === undefined ? {} : { tmpDir }
  if (source instanceof DatabaseSource) {
    return {
      add: () => {},
      result: () => source.duplicateIds(MAX_REPEATED_IDS),
      close: async () => {},
    }
  }
  if (source instanceof ExportFileSource) {
    const stop = new AbortController()
    const forward = () => stop.abort()
    signal?.addEventListener('abort', forward, { once: true })
    const running = repeatedExportIds(source.path, MAX_REPEATED_IDS, {
      signal: stop.signal,
      ...dir,
    }).catch((error: unknown) => {
      throw cannotCheck(error)
    })
    const settled = running.then(
      () => {},
      () => {},
    )
    return {
      add: () => {},
      result: () => running,
      async close() {
        signal?.removeEventListener('abort', forward)
        stop.abort()
        await settled
      },
    }
  }
  const ledger = new IdLedger(dir)
  const close = () => ledger.close()
  signal?.addEventListener('abort', close, { once: true })
  let problem: unknown
  return {
    add(record, check) {
      if (problem !== undefined || check.id === undefined || record.seq === undefined) return
      try {
        ledger.add(record.seq, check.id)
      } catch (error) {
        problem = error
      }
    },
    async result() {
      if (problem !== undefined) throw cannotCheck(problem)
      try {
        return ledger.finish(MAX_REPEATED_IDS)
      } catch (error) {
        throw cannotCheck(error)
      }
    },
    async close() {
      signal?.removeEventListener('abort', close)
      ledger.close()
    },
  }
}

function cannotCheck(error: unknown): VerifyError {
  return new VerifyError(
    'IO',
    `the check for event ids sealed twice could not be made (its temporary files go to ` +
      `${tmpdir()}; TMPDIR sets another folder): ${(error as Error).message}`,
    { cause: error },
  )
}

/**
 * An export's lines the fast path vouched for (seq below `vouched`) whose top level is not as
 * RFC 8785 writes it are `modified`: a signed checkpoint covers them, so the log's key signed
 * an event the sealer would not have written. (From `vouched` on, the full checks saw them.)
 */
export function reportNotCanonical(
  found: RepeatedIdResult,
  vouched: number,
  tenant: string,
  findings: FindingLog,
  warnings: string[],
): void {
  const seqs = found.notCanonical ?? []
  if (found.moreNotCanonical) {
    warnings.push(
      `more than ${MAX_REPEATED_IDS} lines are not in canonical form at their top level: only the first ${MAX_REPEATED_IDS} are reported`,
    )
  }
  for (const seq of seqs) {
    if (seq >= vouched) continue // a line out of seq order is in the file's unvouched part
    findings.add({
      kind: 'modified',
      severity: 'error',
      tenant,
      seq,
      message:
        'the stored text is not in canonical form (its top-level members are not as RFC 8785 ' +
        'writes them): a signed checkpoint covers it, so the log’s key signed an event the ' +
        'sealer would not have written',
    })
  }
}

/** Each later event with an id sealed before is `inserted`. */
export function reportRepeatedIds(
  found: RepeatedIdResult,
  tenant: string,
  findings: FindingLog,
  warnings: string[],
): void {
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
      `more than ${MAX_REPEATED_IDS} event ids are sealed twice or more, or an id more than ${MAX_REPEATED_IDS + 1} times: only the first ${MAX_REPEATED_IDS} (by seq) are reported`,
    )
  }
}
