// bench:verify — how fast `auditseal verify --export` checks a log, and that its memory does
// not grow with the log. Builds an NDJSON export of 10^6 events (and its first 10^5 as a file
// of its own) with a signed checkpoint at each size, then verifies each file in a fresh
// process. Prints events verified per second next to raw SHA-256 over the same canonical
// bytes (one createHash per event, as a leaf hash is commonly computed), the ratio, peak RSS,
// the full checks of every event (fastPath: false) on the smaller file for comparison, and
// where the time of one event goes on either path.

import { fork } from 'node:child_process'
import { createHash, hash, randomBytes } from 'node:crypto'
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AuditEvent } from '@auditseal/core'
import { deriveSigner, logOrigin, validateEvent, verifierKeyString } from '@auditseal/core'
import { nodeCrypto } from '../../packages/server/src/crypto/node-crypto.js'
import { isCanonicalText } from '../../packages/server/src/verify/event-check.js'
import {
  newSealedSuffix,
  readSealedSuffix,
} from '../../packages/server/src/verify/sources/sealed-line.js'
import { nodeDigests, StreamingTree } from '../../packages/server/src/verify/tree.js'
import { formatRate, opsPerSecond } from '../core/measure.js'
import { generateExport } from './generate.js'

const SIZES = [100_000, 1_000_000]
const TENANT = '0190d0a8-7f3c-7b6e-9a2d-3c4b5a697887'

interface ChildResult {
  events: number
  vouched: number
  ms: number
  maxRssBytes: number
  exitCode: number
  findings: number
}

function verifyInChild(
  file: string,
  checkpointFile: string,
  vkey: string,
  full = false,
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = fork(
      new URL('./verify-child.ts', import.meta.url),
      [file, checkpointFile, vkey, ...(full ? ['full'] : [])],
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

  console.log(
    'events      verify (events/s)   raw SHA-256 (events/s)   ratio   peak RSS   vouched by bytes',
  )
  const row = (label: string, result: ChildResult, baseline: number) => {
    const rate = (result.events * 1000) / result.ms
    console.log(
      `${label.padStart(9)}  ${formatRate(rate)}        ${formatRate(baseline)}        ${(rate / baseline).toFixed(2).padStart(5)}   ${mb(result.maxRssBytes).padStart(8)}   ${result.vouched.toLocaleString('en-US')}`,
    )
  }
  for (const size of SIZES) {
    const checkpointFile = join(dir, `checkpoint-${size}`)
    await writeFile(checkpointFile, checkpoints.get(size) as string)
    const baseline = rawSha()
    const result = await verifyInChild(files.get(size) as string, checkpointFile, vkey)
    if (
      result.exitCode !== 0 ||
      result.findings !== 0 ||
      result.events !== size ||
      result.vouched !== size
    ) {
      throw new Error(
        `verification of ${size} events did not come out intact: ${JSON.stringify(result)}`,
      )
    }
    row(size.toLocaleString('en-US'), result, baseline)
  }

  // The full checks of every event, for comparison (what a log with no matching signed root
  // gets): the smaller file only.
  const small = SIZES[0] as number
  const fullBaseline = rawSha()
  const full = await verifyInChild(
    files.get(small) as string,
    join(dir, `checkpoint-${small}`),
    vkey,
    true,
  )
  if (full.exitCode !== 0 || full.findings !== 0 || full.vouched !== 0) {
    throw new Error(`the full checks did not come out intact: ${JSON.stringify(full)}`)
  }
  console.log('\nthe full checks of every event (fastPath: false):')
  row(small.toLocaleString('en-US'), full, fullBaseline)

  // Where one event's time goes (same events, in memory, this process).
  const texts = sample.slice(0, 20_000).map((b) => b.toString('utf8'))
  const parsed = texts.map((t) => JSON.parse(t) as AuditEvent)
  let k = 0
  const step = (fn: (n: number) => unknown) =>
    1e6 / opsPerSecond(() => fn(k++ % texts.length), 1, 500)
  const lines = sample
    .slice(0, 20_000)
    .map((b, n) =>
      Buffer.from(
        `${b.subarray(0, -1).toString('latin1')},"seq":${n},"leaf_hash":"${createHash('sha256').update(Buffer.of(0)).update(b).digest('base64')}"}`,
        'latin1',
      ),
    )
  const suffix = newSealedSuffix()
  const digests = nodeDigests()
  const tree = new StreamingTree(digests)
  const leaf = hash('sha256', sample[0] as Buffer, 'binary')
  const say = (label: string, us: number) =>
    console.log(`  ${label.padEnd(60)} ${us.toFixed(2).padStart(6)}`)
  console.log('\nper event, microseconds:')
  say(
    'SHA-256 of the canonical bytes (createHash: the baseline)',
    step((n) =>
      createHash('sha256')
        .update(sample[n] as Buffer)
        .digest(),
    ),
  )
  console.log('fast path (a signed root vouches for the bytes):')
  say(
    'read the export suffix (seq, leaf_hash)',
    step((n) => {
      const line = lines[n] as Buffer
      return readSealedSuffix(line, 0, line.length, suffix)
    }),
  )
  say(
    "that, and the leaf hash of the line's event bytes (one-shot)",
    step((n) => {
      const line = lines[n] as Buffer
      readSealedSuffix(line, 0, line.length, suffix)
      return digests.exportLeaf(line, 0, suffix.eventEnd)
    }),
  )
  say(
    'append a leaf to the tree (one node hash on average)',
    step(() => tree.append(leaf)),
  )
  console.log('full checks (from the first thing a signed root does not vouch for):')
  say(
    'JSON.parse',
    step((n) => JSON.parse(texts[n] as string)),
  )
  say(
    'validateEvent (envelope v1)',
    step((n) => validateEvent(parsed[n], { requireRecordedAt: true })),
  )
  say(
    'canonical check (isCanonicalText)',
    step((n) => isCanonicalText(parsed[n] as AuditEvent, texts[n] as string)),
  )
} finally {
  await rm(dir, { recursive: true, force: true })
}
