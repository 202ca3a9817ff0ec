// What the verifier reports: one finding per piece of tampering it can name, each with the
// tenant, the seq (or the checkpoint) concerned and a kind from a closed list. The kinds and
// their JSON form are a contract (docs/verify.md); messages are for people and may change.

/** The kinds of findings, in the order the summary lists them. */
export const FINDING_KINDS = [
  'modified',
  'missing',
  'reordered',
  'inserted',
  'rewritten',
  'bad_signature',
  'inconsistent_checkpoints',
  'unsigned_tail',
  'nothing_signed',
] as const
export type FindingKind = (typeof FINDING_KINDS)[number]

/**
 * An error is tampering, or a log nothing signed vouches for (exit 1); a warning is reported
 * but the log still verifies.
 */
export type Severity = 'error' | 'warning'

/** Where a checkpoint came from. */
export type CheckpointSource = 'log' | 'trusted' | 'checkpoint-dir' | 'checkpoint-file'

export interface Finding {
  readonly kind: FindingKind
  readonly severity: Severity
  readonly tenant: string
  /**
   * The earliest seq concerned. When the finding covers a range (a gap, a tail, a difference
   * that could not be narrowed to one event) this is its first seq and `endSeq` its end.
   * null when no event is concerned (a checkpoint's signature).
   */
  readonly seq: number | null
  /** Exclusive end of the range of seqs, when the finding covers more than one. */
  readonly endSeq?: number
  /** The checkpoint concerned, by tree size. */
  readonly treeSize?: number
  /** Where that checkpoint came from, e.g. `log` or `trusted`. */
  readonly source?: CheckpointSource
  readonly message: string
}

/** Findings are kept up to this many; past it only the counts grow (memory stays bounded). */
export const MAX_KEPT_FINDINGS = 1000

/** An append-only, bounded list of findings with exact counts per kind. */
export class FindingLog {
  private readonly kept: Finding[] = []
  private omitted = 0
  private errors = 0
  private readonly byKind = new Map<FindingKind, number>()
  private readonly bySeq = new Set<string>()

  add(finding: Finding): void {
    // One finding per (kind, seq, tree size): two routes to the same fact report it once.
    const key = `${finding.kind}:${String(finding.seq)}:${String(finding.treeSize)}:${String(finding.source)}`
    if (this.bySeq.has(key)) return
    if (this.bySeq.size < 4 * MAX_KEPT_FINDINGS) this.bySeq.add(key)
    this.byKind.set(finding.kind, (this.byKind.get(finding.kind) ?? 0) + 1)
    if (finding.severity === 'error') this.errors++
    if (this.kept.length < MAX_KEPT_FINDINGS) this.kept.push(finding)
    else this.omitted++
  }

  /** True if some finding of these kinds concerns a seq below `end`. */
  hasEventFindingBefore(end: number): boolean {
    return this.kept.some((f) => EVENT_KINDS.has(f.kind) && f.seq !== null && f.seq < end)
  }

  /** The smallest seq below `end` named by an event finding, if any. */
  earliestEventSeqBefore(end: number): number | undefined {
    let earliest: number | undefined
    for (const f of this.kept) {
      if (!EVENT_KINDS.has(f.kind) || f.seq === null || f.seq >= end) continue
      if (earliest === undefined || f.seq < earliest) earliest = f.seq
    }
    return earliest
  }

  get findings(): readonly Finding[] {
    return [...this.kept].sort(compareFindings)
  }

  get omittedCount(): number {
    return this.omitted
  }

  counts(): Partial<Record<FindingKind, number>> {
    return Object.fromEntries(
      FINDING_KINDS.filter((k) => this.byKind.has(k)).map((k) => [k, this.byKind.get(k)]),
    )
  }

  get errorCount(): number {
    return this.errors
  }
}

/** The kinds that name events (as opposed to checkpoints). */
const EVENT_KINDS: ReadonlySet<FindingKind> = new Set([
  'modified',
  'missing',
  'reordered',
  'inserted',
])

function compareFindings(a: Finding, b: Finding): number {
  const seqA = a.seq ?? -1
  const seqB = b.seq ?? -1
  if (seqA !== seqB) return seqA - seqB
  return FINDING_KINDS.indexOf(a.kind) - FINDING_KINDS.indexOf(b.kind)
}
