// Seq numbering as the source presents it. The log assigns 0, 1, 2, … with no gap, so a seq
// that skips ahead leaves a gap, a seq that fills a gap later arrived out of order, and a seq
// seen before is a second event with that seq. A gap is only called missing at the end: the
// events may still come, late (an export whose lines were moved).

import type { FindingKind } from './findings.js'

export type Report = (kind: FindingKind, seq: number, message: string, endSeq?: number) => void

/** Most open gaps tracked; past it the oldest is reported missing at once. */
const MAX_GAPS = 10_000

export class SeqTracker {
  private maxSeq = -1
  /** Seqs below maxSeq not seen yet, as sorted disjoint [from, to) ranges. */
  private readonly gaps: [number, number][] = []
  /** A run of consecutive late seqs, reported as one finding when it ends. */
  private late: { from: number; to: number; after: number } | undefined

  constructor(private readonly report: Report) {}

  /** The seq after the largest seen. */
  get expected(): number {
    return this.maxSeq + 1
  }

  /**
   * next checks one record's seq; returns the seq it stands for (undefined if unusable) and
   * whether it is out of place (late, or a second event with that seq).
   */
  next(seq: number | undefined, shown: string): { seq: number | undefined; flagged: boolean } {
    if (seq === undefined || !Number.isSafeInteger(seq) || seq < 0) {
      this.endLateRun()
      this.report(
        'inserted',
        this.expected,
        `an event with seq ${shown}, which is not a seq the log assigns`,
      )
      return { seq: undefined, flagged: true }
    }
    if (seq > this.maxSeq) {
      this.endLateRun()
      if (seq > this.expected) this.openGap(this.expected, seq)
      this.maxSeq = seq
      return { seq, flagged: false }
    }
    if (this.fillGap(seq)) {
      const run = this.late
      if (run && run.to === seq) run.to++
      else {
        this.endLateRun()
        this.late = { from: seq, to: seq + 1, after: this.maxSeq }
      }
    } else {
      this.endLateRun()
      this.report('inserted', seq, `another event already has seq ${seq}`)
    }
    return { seq, flagged: true }
  }

  /**
   * advanceTo records that seqs up to n − 1 were seen in order (the verifier's fast path, whose
   * events were each the next seq); only when nothing is open.
   */
  advanceTo(n: number): void {
    if (this.gaps.length > 0 || this.late !== undefined || n - 1 < this.maxSeq) {
      throw new Error('advanceTo() with seqs open or out of order')
    }
    this.maxSeq = n - 1
  }

  /** Reports what is still open: the last late run, and every gap never filled. */
  finish(): void {
    this.endLateRun()
    for (const [from, to] of this.gaps.splice(0)) this.reportMissing(from, to)
  }

  private openGap(from: number, to: number): void {
    this.gaps.push([from, to])
    if (this.gaps.length > MAX_GAPS) {
      const [oldFrom, oldTo] = this.gaps.shift() as [number, number]
      this.reportMissing(oldFrom, oldTo)
    }
  }

  /** Removes seq from the gap holding it; false if no gap does. */
  private fillGap(seq: number): boolean {
    let lo = 0
    let hi = this.gaps.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((this.gaps[mid] as [number, number])[1] <= seq) lo = mid + 1
      else hi = mid
    }
    const gap = this.gaps[lo]
    if (gap === undefined || gap[0] > seq) return false
    const [from, to] = gap
    const rest: [number, number][] = []
    if (from < seq) rest.push([from, seq])
    if (seq + 1 < to) rest.push([seq + 1, to])
    this.gaps.splice(lo, 1, ...rest)
    return true
  }

  private endLateRun(): void {
    const run = this.late
    if (run === undefined) return
    this.late = undefined
    const what =
      run.to - run.from === 1 ? `seq ${run.from} comes` : `seq ${run.from} to ${run.to - 1} come`
    this.report('reordered', run.from, `${what} after seq ${run.after}: out of seq order`, run.to)
  }

  private reportMissing(from: number, to: number): void {
    this.report(
      'missing',
      from,
      to - from === 1 ? `no event has seq ${from}` : `no events have seq ${from} to ${to - 1}`,
      to,
    )
  }
}
