// bench:verify — how fast `auditseal verify --export` checks a log, and that its memory does
// not grow with the log. Builds an NDJSON export of 10^6 events (and its first 10^5 as a file
// of its own) with a signed checkpoint at each size, then verifies each file in a fresh
// process. Prints events verified per second next to raw SHA-256 over the same canonical
// bytes (one hash per event, as the leaf hash), the ratio, peak RSS, and where the time of
// one event goes.

import { fork } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AuditEvent } from '@auditseal/core'
import { deriveSigner, logOrigin, validateEvent, verifierKeyString } from '@auditseal/core'
import { nodeCrypto } from '../../packages/server/src/crypto/node-crypto.js'
import { isCanonicalText } from '../../packages/server/src/verify/event-check.js'
import { formatRate, opsPerSecond } from '../core/measure.js'
import { generateExport } from './generate.js'

const SIZES = [100_000, 1_000_000]
const TENANT = '0190d0a8-7f3c-7b6e-9a2d-3c4b5a697887'

interface ChildResult {
  events: number
  ms: number
  maxRssBytes: number
  exitCode: number
  findings: number
}

function verifyInChild(file: string, checkpointFile: string, vkey: string): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = fork(
      new URL('./verify-child.ts', import.meta.url),
      [file, checkpointFile, vkey],
      {
        stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
      },
    )
    let out = ''
    child.stdout?.on('data', (data: Buffer) => (out += data.toString()))
    child.on('error', reject)
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out) as ChildResult)
        : reject(new Error(`child exited ${code}`)),
    )
  })
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`

const dir = await mkdtemp(join(tmpdir(), 'auditseal-bench-verify-'))
try {
  const origin = logOrigin('bench.auditseal.local', TENANT)
  const signer = deriveSigner(nodeCrypto, randomBytes(32), origin)
  const vkey = verifierKeyString(signer.name, signer.keyId, signer.publicKey)
  const files = new Map(SIZES.map((size) => [size, join(dir, `export-${size}.ndjson`)]))

  const generating = performance.now()
  const { checkpoints, sample } = await generateExport(TENANT, signer, files)
  const largest = files.get(SIZES.at(-1) as number) as string
  console.log(
    `bench:verify — ${SIZES.at(-1)?.toLocaleString('en-US')} events, ${mb((await stat(largest)).size)} of NDJSON, ` +
      `built in ${((performance.now() - generating) / 1000).toFixed(1)} s; canonical events of ~${sample[0]?.length} bytes\n`,
  )

  // The baseline: one SHA-256 per event over its canonical bytes, in this process, measured
  // right before each verification so both see the same machine.
  let i = 0
  const rawSha = () =>
    opsPerSecond(
      () =>
        createHash('sha256')
          .update(sample[i++ % sample.length] as Buffer)
          .digest(),
      1,
      1000,
    )

  console.log('events      verify (events/s)   raw SHA-256 (events/s)   ratio   peak RSS')
  for (const size of SIZES) {
    const checkpointFile = join(dir, `checkpoint-${size}`)
    await writeFile(checkpointFile, checkpoints.get(size) as string)
    const baseline = rawSha()
    const result = await verifyInChild(files.get(size) as string, checkpointFile, vkey)
    if (result.exitCode !== 0 || result.findings !== 0 || result.events !== size) {
      throw new Error(
        `verification of ${size} events did not come out intact: ${JSON.stringify(result)}`,
      )
    }
    const rate = (result.events * 1000) / result.ms
    console.log(
      `${size.toLocaleString('en-US').padStart(9)}  ${formatRate(rate)}        ${formatRate(baseline)}        ${(rate / baseline).toFixed(2).padStart(5)}   ${mb(result.maxRssBytes).padStart(8)}`,
    )
  }

  // Where one event's time goes (same events, in memory, this process).
  const texts = sample.slice(0, 20_000).map((b) => b.toString('utf8'))
  const parsed = texts.map((t) => JSON.parse(t) as AuditEvent)
  let k = 0
  const step = (fn: (n: number) => unknown) =>
    1e6 / opsPerSecond(() => fn(k++ % texts.length), 1, 500)
  console.log('\nper event, microseconds:')
  console.log(
    `  SHA-256 of the canonical bytes       ${step((n) =>
      createHash('sha256')
        .update(sample[n] as Buffer)
        .digest(),
    ).toFixed(2)}`,
  )
  console.log(
    `  JSON.parse                           ${step((n) => JSON.parse(texts[n] as string)).toFixed(2)}`,
  )
  console.log(
    `  validateEvent (envelope v1)          ${step((n) => validateEvent(parsed[n], { requireRecordedAt: true })).toFixed(2)}`,
  )
  console.log(
    `  canonical check (isCanonicalText)    ${step((n) => isCanonicalText(parsed[n] as AuditEvent, texts[n] as string)).toFixed(2)}`,
  )
} finally {
  await rm(dir, { recursive: true, force: true })
}
