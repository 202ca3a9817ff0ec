// The checks one stored event must pass on its own, before the tree is consulted: its stored
// canonical text must be a valid envelope v1 event of this tenant, sealed (recorded_at set),
// and exactly its own RFC 8785 form, so that the bytes hashed are the only encoding of E.

import type { AuditEvent, EventIssue, TreeHasher } from '@auditseal/core'
import { canonicalJson, constantTimeEqual, utf8, validateEvent } from '@auditseal/core'
import { columnProblems } from './columns.js'
import type { EventRecord } from './sources/types.js'

/** What one stored event says about itself, before the tree is consulted. */
export interface RecordCheck {
  /** SHA-256(0x00 ‖ the stored canonical bytes): the leaf this event is in the tree. */
  readonly leaf: Uint8Array
  /** Everything wrong with the record on its own; empty when nothing is. */
  readonly problems: readonly string[]
  /** recorded_at of a valid event (the verifier watches its order). */
  readonly recordedAt?: string
  /** The id of a valid event (the verifier looks for ids sealed twice). */
  readonly id?: string
}

/**
 * checkRecord hashes the stored canonical bytes and checks the record against itself: the
 * canonical text (checkCanonical), the stored leaf hash, and the columns that repeat members
 * of E. Pure, so it can run on any thread. It never throws on what it reads: a record whose
 * checks fail with an exception (hostile input, e.g. nested too deep for the stack) is
 * reported with that as its problem, so one record cannot stop the verifier.
 */
export function checkRecord(
  record: EventRecord,
  tenantId: string,
  hasher: Pick<TreeHasher, 'leafHash'>,
): RecordCheck {
  const leaf = hasher.leafHash(record.canonicalBytes ?? utf8(record.canonical))
  try {
    return checkAgainstItself(record, tenantId, leaf)
  } catch (error) {
    const problems = record.formatProblem === undefined ? [] : [record.formatProblem]
    problems.push(`the stored event cannot be checked: ${(error as Error).message}`)
    return { leaf, problems }
  }
}

function checkAgainstItself(record: EventRecord, tenantId: string, leaf: Uint8Array): RecordCheck {
  const problems: string[] = []
  if (record.formatProblem !== undefined) problems.push(record.formatProblem)
  const check = checkCanonical(record.canonical, tenantId)
  if (!check.ok) problems.push(check.problem)
  if (record.leafHash === undefined) {
    problems.push('no stored leaf hash')
  } else if (!constantTimeEqual(record.leafHash, leaf)) {
    problems.push('the stored leaf hash differs from the hash of the stored canonical text')
  }
  if (!check.ok) return { leaf, problems }
  if (record.columns) problems.push(...columnProblems(check.event, record.columns))
  return { leaf, problems, recordedAt: check.event.recorded_at as string, id: check.event.id }
}

export type CanonicalCheck = { ok: true; event: AuditEvent } | { ok: false; problem: string }

/**
 * checkCanonical re-reads the stored text as the verifier must: parse it, validate it as a
 * sealed event (recorded_at required) of `tenantId`, and re-canonicalize it; the result must
 * be the text itself. It never trusts the text to be what it claims.
 */
export function checkCanonical(text: string, tenantId: string): CanonicalCheck {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return { ok: false, problem: 'the stored canonical text is not JSON' }
  }
  const result = validateEvent(parsed, { requireRecordedAt: true })
  if (!result.ok) {
    return {
      ok: false,
      problem: `the stored event is not a valid sealed event: ${describe(result.issues)}`,
    }
  }
  if (result.event.tenant_id !== tenantId) {
    return { ok: false, problem: `the stored event belongs to tenant ${result.event.tenant_id}` }
  }
  if (!isCanonicalText(result.event, text)) {
    return {
      ok: false,
      problem: 'the stored text is not in canonical form (it does not re-canonicalize to itself)',
    }
  }
  return { ok: true, event: result.event }
}

/**
 * isCanonicalText says whether `text` is canonicalJson(event), for an event validateEvent
 * accepted. RFC 8785 for such a value (plain JSON, finite numbers, no lone surrogates) is
 * JSON.stringify with every object's members sorted by UTF-16 code units — which is how the
 * canonicalize package builds it. So when JSON.stringify gives `text` and every object's
 * members are already in sorted order, both serializations are the same string; that check
 * is several times cheaper than canonicalizing. Anything else (integer-like member names,
 * which JavaScript orders first, or a text that is not canonical) is decided by
 * canonicalJson itself. test/verify/canonical-shortcut.test.ts checks the two agree.
 */
export function isCanonicalText(event: AuditEvent, text: string): boolean {
  if (JSON.stringify(event) === text && membersSorted(event)) return true
  return canonicalJson(event) === text
}

function membersSorted(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true
  if (Array.isArray(value)) {
    for (const item of value) if (!membersSorted(item)) return false
    return true
  }
  let previous: string | undefined
  for (const key of Object.keys(value)) {
    if (previous !== undefined && !(previous < key)) return false
    if (!membersSorted((value as Record<string, unknown>)[key])) return false
    previous = key
  }
  return true
}

function describe(issues: readonly EventIssue[]): string {
  const shown = issues.slice(0, 3).map((i) => `${i.path === '' ? 'event' : i.path} ${i.message}`)
  return shown.join('; ') + (issues.length > 3 ? `; and ${issues.length - 3} more` : '')
}
