// Issue test 4: memory stays bounded through a long outage. A 10-minute outage at 1,000
// events/s is 600,000 events; they are logged as fast as possible while the server is
// unreachable, and the heap is sampled along the way: it must not grow with the backlog,
// which lives on disk.
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { afterAll, describe, expect, it } from 'vitest'
import { createAuditLogger } from '../src/index.js'
import type { AuditLogger } from '../src/index.js'
import { freePort } from '../../../test-support/free-port.js'
import { tempDir } from './support/temp.js'

const TOTAL = 600_000
/** Small, so the test spends its time in the SDK's queueing rather than in validation. */
const SMALL_EVENT = {
  type: 'load.tested',
  outcome: 'success',
  actor: { type: 'system', id: 'memory-test' },
} as const
const CHUNK = 10_000
const MIB = 1024 * 1024

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

let audit: AuditLogger | undefined
afterAll(async () => {
  await audit?.close({ timeoutMs: 0 })
})

function heapAfterGc(): number {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

describe('a 10-minute outage at 1,000 events/s', () => {
  it('keeps the heap bounded while 600,000 events wait on disk', { timeout: 120_000 }, async () => {
    const port = await freePort()
    audit = createAuditLogger({
      url: `http://127.0.0.1:${port}`,
      apiKey: 'ask_test_key',
      spoolDir: tempDir(),
      retry: { initialDelayMs: 10, maxDelayMs: 100 }, // many retries: they must not accumulate state
      logger: false,
    })
    const samples: { events: number; heapMiB: number; rssMiB: number }[] = []
    const sample = (events: number) =>
      samples.push({
        events,
        heapMiB: heapAfterGc() / MIB,
        rssMiB: process.memoryUsage().rss / MIB,
      })
    sample(0)
    for (let logged = 0; logged < TOTAL;) {
      for (let i = 0; i < CHUNK; i++, logged++) audit.log(SMALL_EVENT)
      await new Promise((resolve) => setImmediate(resolve)) // the sender retries, the group commit syncs
      if (logged % 100_000 === 0) sample(logged)
    }
    const stats = audit.stats()
    expect(stats).toMatchObject({ logged: TOTAL, spooled: TOTAL, overflowed: 0 })
    expect(stats.inFlight).toBeLessThanOrEqual(2 * 1000) // two batches at most: the rest is on disk
    expect(stats.retries).toBeGreaterThan(0)
    expect(stats.spoolBytes).toBeGreaterThan(TOTAL * 150)

    console.info(
      `heap and RSS (MiB) by events logged:\n${samples.map((s) => `  ${s.events}: heap ${s.heapMiB.toFixed(1)}, rss ${s.rssMiB.toFixed(1)}`).join('\n')}`,
    )
    const at100k = samples.find((s) => s.events === 100_000)?.heapMiB as number
    const at600k = samples.find((s) => s.events === TOTAL)?.heapMiB as number
    // 500,000 more events at ~200 bytes each would be ~100 MiB if they were held in memory;
    // bounded means the heap after 600k is within a few MiB of the heap after 100k.
    expect(at600k - at100k).toBeLessThan(16)
  })
})
