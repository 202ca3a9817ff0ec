// Narrowing a tree difference down to events. A checkpoint root that does not match the
// recomputed tree proves that something in its range changed, but not what. Two kinds of
// hints can say which event, and neither is ever evidence on its own:
//
// - the leaf hashes the log stored in its tree nodes when it sealed each event (database
//   only). An event whose recomputed leaf differs from the stored one changed after sealing —
//   or the node was edited, which is why hints only count inside a range a signed root
//   already condemns. Comparing with the neighbours' stored leaves tells a swap, a shift
//   (an event inserted or removed, the rest renumbered) and a modification apart.
// - recorded_at, which the sealer sets under the tenant's lock and so never decreases along
//   seq while the clock does not step back: an event out of place shows as a spike or a dip.
//
// Both lists are bounded: the earliest differences are the ones that matter.

import { constantTimeEqual, toHex } from '@auditseal/core'
import type { Finding } from './findings.js'

/** How a differing leaf relates to the leaves the log stored next to it. */
export type Relation = 'prev' | 'next' | 'none'

export interface LeafAnomaly {
  readonly seq: number
  /** The leaf recomputed from the event now at seq. */
  readonly leaf: Uint8Array
  /** The leaf the log stored for seq when it sealed it. */
  readonly stored: Uint8Array
  /** 'prev': the event now at seq was sealed at seq − 1; 'next': at seq + 1. */
  readonly relation: Relation
}

/** What the signed roots say of the hints (see Locator.locate). */
export interface HintJudgement {
  refuted(seq: number): boolean
  confirmedBefore: number
}

function unconfirmedModification(after: number): string {
  return (
    "the event's leaf differs from the one the log stored for this seq when it sealed it: the " +
    'event was changed (its stored leaf hash recomputed to match), or the stored tree was; no ' +
    `signed root from seq ${after} on can tell which`
  )
}

/** Most anomalies of each kind kept. */
export const MAX_ANOMALIES = 10_000

export class Locator {
  private readonly leaves: LeafAnomaly[] = []
  private readonly order: number[] = []

  constructor(private readonly tenant: string) {}

  noteLeaf(anomaly: LeafAnomaly): void {
    if (this.leaves.length < MAX_ANOMALIES) this.leaves.push(anomaly)
  }

  /** recorded_at of the event at `seq` is out of order with its neighbours. */
  noteOrder(seq: number): void {
    if (this.order.length < MAX_ANOMALIES && this.order.at(-1) !== seq) this.order.push(seq)
  }

  /**
   * locate explains a difference between the recomputed tree and a signed root that starts at
   * or after seq `from`: findings for the events the hints point at, or none if they point
   * nowhere. `judge` says which hints a signed root refuted (the stored tree was edited, not
   * the event: no finding) and up to where they are confirmed or lie in a range a signed root
   * condemns; past `confirmedBefore` no signed root can tell an edited event from an edited
   * stored leaf, and a modification found there says so.
   */
  locate(from: number, judge: HintJudgement): Finding[] {
    // Every hint from `from` on tells what the others are (a swap's partner may be refuted).
    const leaves = this.leaves.filter((a) => a.seq >= from)
    const located = this.fromLeaves(leaves).filter(({ anchor }) => !judge.refuted(anchor))
    if (located.length > 0) {
      return located.map(({ finding, anchor }) =>
        anchor >= judge.confirmedBefore && finding.kind === 'modified'
          ? { ...finding, message: unconfirmedModification(judge.confirmedBefore) }
          : finding,
      )
    }
    return this.order
      .filter((seq) => seq >= from)
      .map((seq) =>
        this.finding(
          'reordered',
          seq,
          'recorded_at is out of order here: the event is not where the sealer put it',
        ),
      )
  }

  /**
   * Findings for the anomalies, each with the seq that must lie in the condemned range for it
   * to count: its own, a shift's first, a swap's earlier.
   */
  private fromLeaves(anomalies: readonly LeafAnomaly[]): { finding: Finding; anchor: number }[] {
    const byStored = new Map(anomalies.map((a) => [toHex(a.stored), a]))
    const sealedAt = (a: LeafAnomaly) => byStored.get(toHex(a.leaf))

    // Swaps first: two events that each hold the other's leaf.
    const partner = new Map<number, number>()
    for (const a of anomalies) {
      const b = sealedAt(a)
      if (b && b.seq !== a.seq && constantTimeEqual(b.leaf, a.stored)) partner.set(a.seq, b.seq)
    }
    // Runs of events shifted by one: where a run starts, something was inserted or removed.
    const shifted = (relation: Relation) =>
      new Set(
        anomalies.filter((a) => a.relation === relation && !partner.has(a.seq)).map((a) => a.seq),
      )
    const up = shifted('prev')
    const down = shifted('next')

    const findings: { finding: Finding; anchor: number }[] = []
    const push = (finding: Finding, anchor = finding.seq as number) =>
      findings.push({ finding, anchor })
    for (const seq of up) {
      if (!up.has(seq - 1)) {
        push(
          this.finding(
            'inserted',
            seq - 1,
            `an event was inserted here: the events from seq ${seq} on were each sealed one seq earlier`,
          ),
        )
      }
    }
    for (const seq of down) {
      if (!down.has(seq - 1)) {
        push(
          this.finding(
            'missing',
            seq,
            `the event sealed at this seq is gone and the events after it were renumbered`,
          ),
        )
      }
    }
    const inserted = new Set(
      findings
        .filter(({ finding }) => finding.kind === 'inserted')
        .map(({ finding }) => finding.seq),
    )
    for (const a of anomalies) {
      const other = partner.get(a.seq)
      if (other !== undefined) {
        push(
          this.finding(
            'reordered',
            a.seq,
            `swapped with seq ${other}: each holds the other's event`,
          ),
          Math.min(a.seq, other),
        )
      } else if (up.has(a.seq) || down.has(a.seq) || inserted.has(a.seq)) {
        continue // part of a shift reported above
      } else {
        const origin = sealedAt(a)
        push(
          origin && origin.seq !== a.seq
            ? this.finding('reordered', a.seq, `this event was sealed at seq ${origin.seq}`)
            : this.finding(
                'modified',
                a.seq,
                'the event differs from the one the log sealed at this seq (its stored leaf hash was changed to match)',
              ),
        )
      }
    }
    return findings
  }

  private finding(kind: Finding['kind'], seq: number, message: string): Finding {
    return { kind, severity: 'error', tenant: this.tenant, seq, message }
  }
}
