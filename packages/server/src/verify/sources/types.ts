// What every source (a database, an export file, the HTTP API) hands the verifier.

import type { CheckpointCopy } from '../checkpoints.js'
import type { StoredColumns } from '../columns.js'

/** One stored event, as read, in the order the source holds them (seq order). */
export interface EventRecord {
  /** The stored seq; undefined when it is not a usable number (then `seqText` says what). */
  readonly seq: number | undefined
  readonly seqText?: string
  /** The stored canonical text of E. */
  readonly canonical: string
  /** UTF-8 of `canonical`, when the source has the bytes already. */
  readonly canonicalBytes?: Uint8Array
  /** The stored leaf hash (a column, an export's `leaf_hash`); undefined if absent. */
  readonly leafHash: Uint8Array | undefined
  /** The columns that repeat members of E (database only). */
  readonly columns?: StoredColumns
  /** The leaf the log stored in its tree for a seq (database only; a hint, never evidence). */
  readonly storedLeaf?: (seq: number) => Uint8Array | undefined
  /** Why the record is not in the source's exact format (an export line), if it is not. */
  readonly formatProblem?: string
}

export type SourceKind = 'database' | 'export' | 'api'

export interface LogSource {
  readonly kind: SourceKind
  /** What to show for it: a redacted URL, a file name. */
  readonly label: string
  /**
   * The log's own checkpoints (database rows, the API's list); undefined for an export, which
   * has none. Read before the events, so every checkpoint covers only events already there.
   */
  checkpoints(): Promise<CheckpointCopy[] | undefined>
  /** About how many events there are, for the progress bar; undefined if not known cheaply. */
  expectedEvents(): Promise<number | undefined>
  events(): AsyncIterable<EventRecord>
  close(): Promise<void>
}
