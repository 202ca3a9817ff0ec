// The export's events checked in batches (on worker threads, or on this one) come out exactly
// as the line-by-line path checks them: same records, leaves, problems, in the same order,
// whatever the lines (too long, spanning chunks, empty, not JSON, no final newline).

import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createReadStream } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { canonicalJson, createTreeHasher } from '@auditseal/core'
import { nodeCrypto } from '../../src/crypto/node-crypto.js'
import { eventJson } from '../../src/store/event-rows.js'
import { checkRecord } from '../../src/verify/event-check.js'
import { forEachChecked } from '../../src/verify/sources/export-batch.js'
import { exportRecords } from '../../src/verify/sources/export-file.js'
import { MAX_LINE_BYTES } from '../../src/verify/sources/lines.js'
import { checkedBatches, workerUrl } from '../../src/verify/sources/parallel.js'
import { makeEvents, newTenantId } from '../support/events.js'

const hasher = createTreeHasher(nodeCrypto)
const tenant = newTenantId()
let dir: string
let file: string
/** JSON nested too deep for a recursive serializer: a finding, never a crash. */
const DEEP = `${'['.repeat(20_000)}0${']'.repeat(20_000)}`

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'auditseal-parallel-'))
  file = join(dir, 'export.ndjson')
  const lines: string[] = []
  makeEvents(tenant, 6000).forEach((event, seq) => {
    const canonical = canonicalJson({ ...event, recorded_at: event.occurred_at })
    const leafHash = hasher.leafHash(Buffer.from(canonical))
    lines.push(eventJson({ seq, canonical, leafHash }))
    if (seq === 10) lines.push('', 'not json', '{"seq":3}', `{"seq":4,"data":{"x":${DEEP}}}`)
    if (seq === 2000) lines.push(`{"a":"${'x'.repeat(MAX_LINE_BYTES + 10)}"}`)
    if (seq === 2001) lines.push(`${'y'.repeat(2 * MAX_LINE_BYTES + 5)}`)
    if (seq === 4000) lines.push(lines[5] as string, 'é\u{1F600}')
  })
  await writeFile(file, lines.join('\n')) // no final newline
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

type Seen = [number | undefined, string | undefined, string, readonly string[], string | undefined]

async function reference(): Promise<Seen[]> {
  const seen: Seen[] = []
  for await (const record of exportRecords(createReadStream(file, { highWaterMark: 1 << 20 }))) {
    const check = checkRecord(record, tenant, hasher)
    const leaf = Buffer.from(check.leaf).toString('hex')
    seen.push([record.seq, record.seqText, leaf, check.problems, check.recordedAt])
  }
  return seen
}

async function batched(workers: number): Promise<Seen[]> {
  const seen: Seen[] = []
  for await (const batch of checkedBatches(file, { tenant, hasher, workers })) {
    forEachChecked(batch, (record, check) => {
      const leaf = Buffer.from(check.leaf).toString('hex')
      seen.push([record.seq, record.seqText, leaf, check.problems, check.recordedAt])
    })
  }
  return seen
}

describe('checked batches', () => {
  it('has a compiled worker to run (npm test builds dist first)', () => {
    expect(workerUrl()).toBeDefined()
  })

  it('agree with the line-by-line check, on this thread and on workers', async () => {
    const expected = await reference()
    expect(expected.length).toBeGreaterThan(6000)
    expect(expected.filter((s) => s[3].length > 0).length).toBeGreaterThan(4)
    expect(await batched(0)).toEqual(expected)
    expect(await batched(2)).toEqual(expected)
  }, 60_000)
})
