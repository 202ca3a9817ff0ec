// One verification in a process of its own, so its peak RSS is the verifier's alone:
//   verify-child.ts <export file> <checkpoint file> <vkey>
// prints one JSON line: events, milliseconds, peak RSS, exit code and findings.

import { verifyLog } from '../../packages/server/src/verify/run.js'

const [file, checkpointFile, vkey] = process.argv.slice(2) as [string, string, string]
const started = performance.now()
const report = await verifyLog({ source: { kind: 'export', file }, vkey, checkpointFile })
const ms = performance.now() - started
process.stdout.write(
  `${JSON.stringify({
    events: report.result.events,
    ms,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    exitCode: report.exitCode,
    findings: report.findings.length,
  })}\n`,
)
