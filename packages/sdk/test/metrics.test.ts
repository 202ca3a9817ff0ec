// The prom-client hook, with the real prom-client (the server's dependency; the SDK has none).
import * as prom from 'prom-client'
import { afterEach, describe, expect, it } from 'vitest'
import { createAuditLogger, registerAuditMetrics } from '../src/index.js'
import type { AuditLogger } from '../src/index.js'
import { startContractServer } from './support/contract-server.js'
import type { ContractServer } from './support/contract-server.js'
import { testEvent } from './support/events.js'
import { tempDir } from './support/temp.js'

let audit: AuditLogger | undefined
let server: ContractServer | undefined
afterEach(async () => {
  await audit?.close({ timeoutMs: 0 })
  await server?.close()
})

describe('registerAuditMetrics', () => {
  it('exposes queue depth, spool bytes, counters and send latency to a registry', async () => {
    server = await startContractServer()
    audit = createAuditLogger({
      url: server.url,
      apiKey: server.apiKey,
      spoolDir: tempDir(),
      logger: false,
    })
    const registry = new prom.Registry()
    registerAuditMetrics(audit, prom, { registers: [registry] })
    for (let i = 0; i < 20; i++) audit.log(testEvent(i))
    await audit.flush()

    const text = await registry.metrics()
    expect(text).toContain('# TYPE auditseal_sdk_spooled_events gauge')
    expect(text).toMatch(/^auditseal_sdk_spooled_events 0$/m)
    expect(text).toMatch(/^auditseal_sdk_spool_bytes \d+$/m)
    expect(text).toMatch(/^auditseal_sdk_oldest_unacknowledged_seconds 0$/m)
    expect(text).toContain('# TYPE auditseal_sdk_acknowledged_events_total counter')
    expect(text).toMatch(/^auditseal_sdk_acknowledged_events_total 20$/m)
    expect(text).toMatch(
      /^auditseal_sdk_send_duration_seconds_count\{outcome="acknowledged"\} [1-9]\d*$/m,
    )

    audit.log(testEvent(20))
    await audit.flush()
    // Counters keep adding across scrapes, never double count.
    expect(await registry.metrics()).toMatch(/^auditseal_sdk_acknowledged_events_total 21$/m)
  })
})
