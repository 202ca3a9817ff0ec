// The verifier's output: JSON for machines (a stable shape, docs/verify.md) and a short
// summary for people.

import { toBase64 } from '@auditseal/core'
import type { Finding } from './findings.js'
import { FINDING_KINDS } from './findings.js'
import type { VerifyReport } from './run.js'

/** The JSON form of a finding: snake_case, absent members omitted. */
export function findingJson(finding: Finding): Record<string, unknown> {
  return {
    kind: finding.kind,
    severity: finding.severity,
    tenant: finding.tenant,
    seq: finding.seq,
    ...(finding.endSeq === undefined ? {} : { end_seq: finding.endSeq }),
    ...(finding.treeSize === undefined ? {} : { tree_size: finding.treeSize }),
    ...(finding.source === undefined ? {} : { source: finding.source }),
    message: finding.message,
  }
}

export function reportJson(report: VerifyReport): Record<string, unknown> {
  const { result } = report
  return {
    result: report.verdict,
    exit_code: report.exitCode,
    tenant: report.tenant,
    origin: report.origin,
    source: report.source.kind,
    key_pinned: report.keyPinned,
    events: result.events,
    root_hash: toBase64(result.rootHash),
    checkpoints: {
      given: report.checkpoints.copies,
      verified: report.checkpoints.verified,
      matched: result.matched,
      newest_matched: result.newestMatched?.size ?? null,
    },
    trusted: result.trusted
      ? { tree_size: result.trusted.size, status: result.trusted.status }
      : null,
    counts: report.counts,
    findings: report.findings.map(findingJson),
    findings_omitted: report.omittedFindings,
    warnings: report.warnings,
  }
}

/** The human summary, several lines ending in a newline. */
export function reportText(report: VerifyReport): string {
  const { result } = report
  const out: string[] = []
  out.push(`auditseal verify: ${report.origin} (${report.source.kind}: ${report.source.label})`)
  out.push(
    `  ${count(result.events, 'event')} re-hashed; recomputed root ${toBase64(result.rootHash)}`,
  )
  out.push(
    `  ${count(report.checkpoints.copies, 'checkpoint')} given, ${report.checkpoints.verified} verified with the ${report.keyPinned ? 'pinned' : 'UNPINNED'} key, ${result.matched} match the recomputed tree` +
      (result.newestMatched ? ` (newest: size ${result.newestMatched.size})` : ''),
  )
  if (result.trusted) {
    out.push(
      `  trusted checkpoint of size ${result.trusted.size}: ${TRUSTED[result.trusted.status]}`,
    )
  } else {
    out.push(
      '  no trusted checkpoint given (--trusted): a rewrite by someone holding the signing key would go unseen',
    )
  }
  const errors = report.findings.filter((f) => f.severity === 'error')
  const warnings = report.findings.filter((f) => f.severity === 'warning')
  if (report.verdict === 'intact') {
    out.push(`INTACT${warnings.length > 0 ? `, with ${count(warnings.length, 'warning')}` : ''}`)
  } else if (report.verdict === 'unverified') {
    out.push('NOT VERIFIED: nothing signed vouches for these events (see nothing_signed below)')
  } else {
    const kinds = FINDING_KINDS.filter((k) => report.counts[k] !== undefined)
      .map((k) => `${report.counts[k]} ${k}`)
      .join(', ')
    out.push(`TAMPERING FOUND: ${kinds}`)
  }
  for (const finding of [...errors, ...warnings]) out.push(`  ${findingLine(finding)}`)
  if (report.omittedFindings > 0)
    out.push(`  … and ${report.omittedFindings} more findings (see the counts)`)
  return `${out.join('\n')}\n`
}

const TRUSTED = {
  matches: 'the log is consistent with it',
  differs: 'the log is NOT consistent with it',
  beyond_end: 'the log no longer reaches it',
} as const

function findingLine(finding: Finding): string {
  const where =
    finding.seq === null
      ? `checkpoint ${finding.treeSize ?? '?'}`
      : finding.endSeq !== undefined && finding.endSeq > finding.seq + 1
        ? `seq ${finding.seq}-${finding.endSeq - 1}`
        : `seq ${finding.seq}`
  return `${finding.severity.padEnd(7)} ${finding.kind.padEnd(24)} ${where.padEnd(16)} ${finding.message}`
}

function count(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`
}
