// One verification in a process of its own, so its peak RSS is the verifier's alone:
//   verify-child.ts <export file> <checkpoint file> <vkey> [full]
// prints one JSON line: events, how many the fast path vouched for, milliseconds, peak RSS,
// exit code and findings. With `full`, every event gets the full checks (fastPath: false).

import { verifyLog } from '../../packages/server/src/verify/run.js'

const [file, checkpointFile, vkey, mode] = process.argv.slice(2) as [
  string,
  string,
  string,
  string?,
]
const started = performance.now()
const report = await verifyLog({
  source: { kind: 'export', file },
  vkey,
  checkpointFile,
  fastPath: mode !== 'full',
})
const ms = performance.now() - started
process.stdout.write(
  `${JSON.stringify({
    events: report.result.events,
    vouched: report.result.vouched,
    ms,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    exitCode: report.exitCode,
    findings: report.findings.length,
  })}\n`,
)
