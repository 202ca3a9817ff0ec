// Issue test 3: the audit server is unreachable when the producer starts. log() still returns
// at once: every event lands in the spool, and is delivered once the server appears.
import { afterAll, describe, expect, it } from 'vitest'
import { createAuditLogger } from '../src/index.js'
import type { AuditLogger } from '../src/index.js'
import { startContractServer } from './support/contract-server.js'
import type { ContractServer } from './support/contract-server.js'
import { eventually, testEvent } from './support/events.js'
import { freePort } from '../../../test-support/free-port.js'
import { tempDir } from './support/temp.js'

const COUNT = 5_000

let audit: AuditLogger | undefined
let server: ContractServer | undefined
afterAll(async () => {
  await audit?.close({ timeoutMs: 0 })
  await server?.close()
})

describe('an audit server unreachable at start-up', () => {
  it('does not slow log() down: every event is spooled at once and delivered later', async () => {
    const port = await freePort() // nothing listens there
    audit = createAuditLogger({
      url: `http://127.0.0.1:${port}`,
      apiKey: 'ask_test_key',
      spoolDir: tempDir(),
      retry: { initialDelayMs: 10, maxDelayMs: 200 },
      logger: false,
    })
    const micros = new Float64Array(COUNT)
    for (let i = 0; i < COUNT; i++) {
      const start = process.hrtime.bigint()
      audit.log(testEvent(i))
      micros[i] = Number(process.hrtime.bigint() - start) / 1000
      if (i % 500 === 499) await new Promise((resolve) => setImmediate(resolve)) // let retries run
    }
    // Counts and the spool, not wall time, decide the test: every call returned with its event
    // recorded, while delivery kept failing.
    await eventually(() => audit!.stats().retries >= 3, 10_000, 'failed deliveries')
    const stats = audit.stats()
    expect(stats).toMatchObject({ logged: COUNT, spooled: COUNT, acknowledged: 0, overflowed: 0 })
    expect(stats.spoolBytes).toBeGreaterThan(COUNT * 100)
    expect(stats.lastError).toMatch(/ECONNREFUSED/)
    micros.sort()
    console.info(
      `log() with the server unreachable: p50 ${micros[COUNT / 2]?.toFixed(1)} µs, ` +
        `p99 ${micros[Math.floor(COUNT * 0.99)]?.toFixed(1)} µs, max ${micros[COUNT - 1]?.toFixed(1)} µs`,
    )

    server = await startContractServer({ port })
    await audit.flush({ timeoutMs: 30_000 })
    expect(server.sealed.size).toBe(COUNT)
    expect(audit.stats()).toMatchObject({ spooled: 0, acknowledged: COUNT })
  })
})
