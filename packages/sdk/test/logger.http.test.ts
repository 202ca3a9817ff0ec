// The logger against a contract-faithful HTTP server on 127.0.0.1: delivery, batching,
// retries, Retry-After, bisecting a poison batch, overflow, restarts.
import { readdirSync, readFileSync, statSync, truncateSync } from 'node:fs'
import { join } from 'node:path'
import { InvalidEventError } from '@auditseal/core'
import { afterEach, describe, expect, it } from 'vitest'
import { AuditOverflowError, createAuditLogger } from '../src/index.js'
import type { AuditLogger, AuditLoggerOptions, AuditSdkError } from '../src/index.js'
import { startContractServer } from './support/contract-server.js'
import type { ContractServer } from './support/contract-server.js'
import { eventually, testEvent } from './support/events.js'
import { tempDir } from './support/temp.js'

const open: { close(): Promise<unknown> }[] = []
afterEach(async () => {
  for (const thing of open.splice(0).reverse()) await thing.close()
})

async function server(options: Parameters<typeof startContractServer>[0] = {}) {
  const s = await startContractServer(options)
  open.push(s)
  return s
}

function logger(s: ContractServer, options: Partial<AuditLoggerOptions> = {}): AuditLogger {
  const audit = createAuditLogger({
    url: s.url,
    apiKey: s.apiKey,
    spoolDir: tempDir(),
    logger: false,
    retry: { initialDelayMs: 5, maxDelayMs: 50 },
    ...options,
  })
  open.push({ close: () => audit.close({ timeoutMs: 0 }) })
  return audit
}

const sealedNumbers = (s: ContractServer) =>
  [...s.sealed.values()].map((e) => (e.data as { n: number }).n).sort((a, b) => a - b)

describe('delivery over HTTP', () => {
  it('delivers every logged event exactly once, in batches within the bounds', async () => {
    const s = await server()
    const audit = logger(s, { batchSize: 100 })
    for (let i = 0; i < 1000; i++) audit.log(testEvent(i))
    await audit.flush()
    expect(sealedNumbers(s)).toEqual([...Array(1000).keys()])
    expect(Math.max(...s.batches)).toBeLessThanOrEqual(100)
    const stats = audit.stats()
    expect(stats).toMatchObject({ spooled: 0, inFlight: 0, acknowledged: 1000, retries: 0 })
    expect(stats.oldestUnackedMs).toBe(0)
    expect(stats.sendLatencyMs.count).toBe(s.batches.length)
  })

  it('sends tenant-less events without tenant_id, for the server to fill from the credential', async () => {
    const s = await server()
    const seen: unknown[] = []
    s.intercept = (events) => void seen.push(...events)
    const audit = logger(s)
    audit.log(testEvent(1))
    await audit.flush()
    expect(seen[0]).not.toHaveProperty('tenant_id')
    expect(seen[0]).toMatchObject({ v: 1, type: 'device.updated', data: { n: 1 } })
    expect([...s.sealed.values()][0]?.tenant_id).toBe(s.tenantId)
  })

  it('fills v, id (a UUIDv7) and occurred_at, and keeps the ones given', async () => {
    const s = await server()
    const audit = logger(s)
    const id = '01890a5d-ac96-774b-bcce-b302099a8057'
    audit.log(testEvent(1, { id, occurred_at: '2025-01-31T23:59:59.123Z' }))
    audit.log(testEvent(2))
    await audit.flush()
    const [given, filled] = [...s.sealed.values()]
    expect(given).toMatchObject({ id, occurred_at: '2025-01-31T23:59:59.123Z' })
    expect(filled?.id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    )
    expect(Date.now() - Date.parse(filled?.occurred_at as string)).toBeLessThan(60_000)
  })

  it('throws the core validator message synchronously for an invalid event, spooling nothing', async () => {
    const s = await server()
    const audit = logger(s)
    const bad = { ...testEvent(1), actor: { type: 'robot', id: 'r2' } } as never
    expect(() => audit.log(bad)).toThrow(InvalidEventError)
    expect(() => audit.log(bad)).toThrow(
      'invalid event: actor.type: must be one of user, service, device, api_key, system, anonymous',
    )
    expect(() =>
      audit.log({ ...testEvent(1), recorded_at: '2025-01-01T00:00:00.000Z' } as never),
    ).toThrow('recorded_at: is set by the sealer')
    expect(() => audit.log('not an event' as never)).toThrow(
      'invalid event: (root): the event must be an object',
    )
    expect(audit.stats().logged).toBe(0)
  })

  it('logSync resolves the acknowledgement; a resend of the same id is a duplicate', async () => {
    const s = await server()
    // logSync must not wait for the linger: a minute, which the test's own timeout ends first.
    const audit = logger(s, { lingerMs: 60_000 })
    const id = '01890a5d-ac96-774b-bcce-b302099a8057'
    const first = await audit.logSync(testEvent(1, { id }))
    expect(first).toEqual({
      id,
      seq: 0,
      leaf_hash: expect.stringMatching(/^[A-Za-z0-9+/]{43}=$/),
      status: 'created',
    })
    const again = await audit.logSync(testEvent(1, { id }))
    expect(again).toEqual({ ...first, status: 'duplicate' })
    expect(audit.stats()).toMatchObject({ acknowledged: 2, duplicates: 1 })
  })
})

describe('retries', () => {
  it('retries 5xx and dropped connections until acknowledged', async () => {
    const s = await server()
    let calls = 0
    s.intercept = () => {
      calls++
      if (calls <= 2)
        return { status: 503, body: { error: { code: 'unavailable', message: 'db down' } } }
      if (calls === 3) return { status: 0, hangUp: true }
      return undefined
    }
    const audit = logger(s)
    const errors: AuditSdkError[] = []
    audit.on('error', (error) => errors.push(error))
    for (let i = 0; i < 10; i++) audit.log(testEvent(i))
    await audit.flush()
    expect(sealedNumbers(s)).toEqual([...Array(10).keys()])
    expect(audit.stats().retries).toBeGreaterThanOrEqual(3)
    expect(errors[0]).toMatchObject({ code: 'DELIVERY_FAILED' })
    expect(errors[0]?.message).toContain('503: unavailable: db down')
    expect(errors.some((e) => /socket hang up|ECONNRESET/.test(e.message))).toBe(true)
    expect(audit.stats().lastError).toBeUndefined() // cleared by the acknowledgement
  })

  it('waits at least as long as Retry-After asks', async () => {
    const s = await server()
    const times: number[] = []
    s.intercept = () => {
      times.push(Date.now())
      if (times.length === 1) return { status: 429, headers: { 'retry-after': '1' }, body: {} }
      return undefined
    }
    const audit = logger(s)
    audit.log(testEvent(1))
    await audit.flush()
    expect(times).toHaveLength(2)
    expect((times[1] as number) - (times[0] as number)).toBeGreaterThanOrEqual(950)
  })

  it('keeps retrying a refused credential instead of dropping events', async () => {
    const s = await server()
    const audit = logger(s, { apiKey: 'wrong' })
    const errors: string[] = []
    audit.on('error', (error) => errors.push(error.message))
    audit.log(testEvent(1))
    await eventually(() => audit.stats().retries >= 3, 5_000, 'retries')
    expect(errors[0]).toContain('the server refused the credential (401')
    expect(audit.stats().spooled).toBe(1)
    expect(s.sealed.size).toBe(0)
  })
})

describe('close()', () => {
  it('keeps its bound while a token function never answers', async () => {
    const s = await server()
    const audit = createAuditLogger({
      url: s.url,
      token: () => new Promise<string>(() => {}), // an identity provider that hangs
      spoolDir: tempDir(),
      logger: false,
    })
    audit.log(testEvent(1))
    await audit.ready
    await new Promise((resolve) => setTimeout(resolve, 50)) // a send is waiting for the token
    const started = Date.now()
    const outcome = await Promise.race([
      audit.close({ timeoutMs: 100 }).then(() => 'closed'),
      new Promise((resolve) => setTimeout(resolve, 5_000, 'still waiting')),
    ])
    expect(outcome).toBe('closed')
    expect(Date.now() - started).toBeLessThan(2_000)
    await expect(audit.flush()).rejects.toMatchObject({ code: 'LOGGER_CLOSED' })
  })
})

describe('a batch the server refuses', () => {
  it('dead-letters only the event the server names invalid; the rest is delivered', async () => {
    const s = await server({
      refuse: (event) =>
        (event.data as { n: number }).n === 37 ? 'poison for the test' : undefined,
    })
    const spoolDir = tempDir()
    const audit = logger(s, { batchSize: 100, lingerMs: 50, spoolDir })
    const letters: unknown[] = []
    audit.on('dead-letter', (info) => letters.push(info))
    const ids: string[] = []
    for (let i = 0; i < 100; i++) {
      const id = `01890a5d-ac96-774b-bcce-${String(i).padStart(12, '0')}`
      ids.push(id)
      audit.log(testEvent(i, { id }))
    }
    await audit.flush()
    expect(sealedNumbers(s)).toEqual([...Array(100).keys()].filter((n) => n !== 37))
    expect(audit.stats()).toMatchObject({ deadLettered: 1, acknowledged: 99, spooled: 0 })
    // The 400 names the event: the batch is sent again without it, not bisected.
    const refused = s.batches.findIndex((size) => size > 37)
    expect(s.batches[refused + 1]).toBe((s.batches[refused] as number) - 1)
    const file = join(spoolDir, 'dead-letter.ndjson')
    expect(letters).toEqual([
      { id: ids[37], status: 400, message: expect.stringContaining('poison for the test'), file },
    ])
    const lines = readFileSync(file, 'utf8').trim().split('\n')
    expect(lines).toHaveLength(1)
    const letter = JSON.parse(lines[0] as string)
    expect(letter).toMatchObject({
      id: ids[37],
      reason: { status: 400 },
      event: { data: { n: 37 } },
    })
  })

  it('bisects a refusal that names no event, and retries the event refused alone (a proxy’s 400)', async () => {
    const s = await server()
    // Something in front of the API answers 400 without the API's error body.
    s.intercept = () => ({ status: 400, body: 'Bad Request' })
    const spoolDir = tempDir()
    const audit = logger(s, { spoolDir, lingerMs: 50 })
    const errors: string[] = []
    audit.on('error', (error) => errors.push(error.message))
    for (let i = 0; i < 8; i++) audit.log(testEvent(i))
    await eventually(() => audit.stats().retries >= 3, 5_000, 'retries')
    expect(Math.min(...s.batches)).toBe(1) // bisected down to one event
    expect(audit.stats()).toMatchObject({ deadLettered: 0, spooled: 8 })
    expect(readdirSync(spoolDir)).not.toContain('dead-letter.ndjson')
    expect(errors[0]).toMatch(/was refused without being named invalid \(400: "Bad Request"\)/)

    s.intercept = undefined // the proxy is fixed: everything is delivered
    await audit.flush()
    expect(sealedNumbers(s)).toEqual([...Array(8).keys()])
  })

  it.each([403, 400])(
    'retries a tenant the credential does not write to (%i tenant_mismatch), dead-lettering nothing',
    async (status) => {
      const s = await server()
      if (status !== 403) {
        s.intercept = () => ({
          status,
          body: { error: { code: 'tenant_mismatch', message: 'another tenant', details: [] } },
        })
      }
      // Every event names the logger's tenant, which is not the API key's.
      const audit = logger(s, { tenantId: '0190d0a8-7f3c-7b6e-9a2d-3c4b5a697000' })
      const errors: string[] = []
      audit.on('error', (error) => errors.push(error.message))
      for (let i = 0; i < 4; i++) audit.log(testEvent(i))
      await eventually(() => audit.stats().retries >= 3, 5_000, 'retries')
      expect(audit.stats()).toMatchObject({ deadLettered: 0, spooled: 4 })
      expect(errors[0]).toContain(`the server refused the events' tenant (${status}`)
      expect(errors[0]).toContain('the credential is for another tenant than the events')
      expect(audit.stats().lastError).toContain(
        'the credential is for another tenant than the events',
      )
    },
  )

  it('dead-letters the events that name another tenant than the credential’s; the rest is delivered', async () => {
    const s = await server()
    const spoolDir = tempDir()
    const audit = logger(s, { batchSize: 100, lingerMs: 50, spoolDir })
    const letters: { id: string; status?: number; message: string }[] = []
    audit.on('dead-letter', (info) => letters.push(info))
    const other = '0190d0a8-7f3c-7b6e-9a2d-3c4b5a697000'
    const strays = [3, 6]
    const ids: string[] = []
    for (let i = 0; i < 10; i++) {
      const id = `01890a5d-ac96-774b-bcce-${String(i).padStart(12, '0')}`
      ids.push(id)
      audit.log(testEvent(i, strays.includes(i) ? { id, tenant_id: other } : { id }))
    }
    await audit.flush({ timeoutMs: 5_000 })
    expect(sealedNumbers(s)).toEqual([0, 1, 2, 4, 5, 7, 8, 9])
    expect(audit.stats()).toMatchObject({ deadLettered: 2, acknowledged: 8, spooled: 0 })
    // The 403 names both: the batch is sent again without them, not bisected.
    expect(s.batches).toEqual([10, 8])
    expect(letters.map((l) => [l.id, l.status])).toEqual([
      [ids[3], 403],
      [ids[6], 403],
    ])
    expect(letters[0]?.message).toContain("the event's tenant differs from the credential's")
    const lines = readFileSync(join(spoolDir, 'dead-letter.ndjson'), 'utf8').trim().split('\n')
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual([
      expect.objectContaining({
        id: ids[3],
        reason: expect.objectContaining({
          status: 403,
          details: [expect.objectContaining({ index: 3, path: 'tenant_id' })],
        }),
      }),
      expect.objectContaining({ id: ids[6] }),
    ])
  })

  describe('when the batch is made only of events naming another tenant', () => {
    const other = '0190d0a8-7f3c-7b6e-9a2d-3c4b5a697000'

    it('dead-letters them once a batch was acknowledged, from a producer that never names tenant_id', async () => {
      const s = await server()
      const audit = logger(s, { batchSize: 1 })
      const letters: string[] = []
      audit.on('dead-letter', (info) => letters.push(info.id))
      await audit.logSync(testEvent(0)) // the server's 201 names the credential's tenant
      const stray = '01890a5d-ac96-774b-bcce-000000000001'
      audit.log(testEvent(1, { id: stray, tenant_id: other })) // a batch of its own
      for (let i = 2; i < 4; i++) audit.log(testEvent(i))
      await audit.flush({ timeoutMs: 5_000 })
      expect(letters).toEqual([stray])
      expect(sealedNumbers(s)).toEqual([0, 2, 3])
    })

    it('retries them from a server whose 201 names no tenant, when no acknowledged event named one', async () => {
      const s = await server({ legacyAcknowledgement: true })
      const audit = logger(s, { batchSize: 1 })
      await audit.logSync(testEvent(0)) // confirms nothing: neither the answer nor the event names a tenant
      audit.log(testEvent(1, { tenant_id: other }))
      await eventually(() => audit.stats().retries >= 3, 5_000, 'retries')
      expect(audit.stats()).toMatchObject({ deadLettered: 0, spooled: 1, acknowledged: 1 })
    })

    it('dead-letters them once a batch of the credential’s tenant was acknowledged; the events after them are delivered', async () => {
      const s = await server({ legacyAcknowledgement: true }) // the event's tenant_id confirms it
      const spoolDir = tempDir()
      const audit = logger(s, { batchSize: 1, spoolDir })
      const letters: { id: string; status?: number; message: string }[] = []
      audit.on('dead-letter', (info) => letters.push(info))
      await audit.logSync(testEvent(0, { tenant_id: s.tenantId })) // confirms the tenant
      const stray = '01890a5d-ac96-774b-bcce-000000000001'
      audit.log(testEvent(1, { id: stray, tenant_id: other })) // a batch of its own
      for (let i = 2; i < 6; i++) audit.log(testEvent(i))
      await audit.flush({ timeoutMs: 5_000 })
      expect(sealedNumbers(s)).toEqual([0, 2, 3, 4, 5])
      expect(audit.stats()).toMatchObject({ deadLettered: 1, acknowledged: 5, spooled: 0 })
      expect(letters.map((l) => [l.id, l.status])).toEqual([[stray, 403]])
      expect(letters[0]?.message).toContain("the event's tenant differs from the credential's")
      const lines = readFileSync(join(spoolDir, 'dead-letter.ndjson'), 'utf8').trim().split('\n')
      expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual([
        expect.objectContaining({
          id: stray,
          reason: expect.objectContaining({
            status: 403,
            details: [expect.objectContaining({ index: 0, path: 'tenant_id' })],
          }),
          event: expect.objectContaining({ tenant_id: other }),
        }),
      ])
    })

    it('dead-letters them at once when the logger’s tenantId is set', async () => {
      const s = await server()
      const audit = logger(s, { batchSize: 1, tenantId: s.tenantId })
      const letters: string[] = []
      audit.on('dead-letter', (info) => letters.push(info.id))
      const stray = '01890a5d-ac96-774b-bcce-000000000000'
      audit.log(testEvent(0, { id: stray, tenant_id: other })) // before any acknowledgement
      audit.log(testEvent(1))
      await audit.flush({ timeoutMs: 5_000 })
      expect(letters).toEqual([stray])
      expect(sealedNumbers(s)).toEqual([1])
    })

    it('retries them while no batch was ever acknowledged (the credential may be the wrong one)', async () => {
      const s = await server()
      const audit = logger(s, { batchSize: 1 })
      const errors: string[] = []
      audit.on('error', (error) => errors.push(error.message))
      for (let i = 0; i < 3; i++) audit.log(testEvent(i, { tenant_id: other }))
      await eventually(() => audit.stats().retries >= 3, 5_000, 'retries')
      expect(audit.stats()).toMatchObject({ deadLettered: 0, spooled: 3, acknowledged: 0 })
      expect(errors[0]).toContain('the credential is for another tenant than the events')
    })

    it('retries them when one names the confirmed tenant (the credential changed)', async () => {
      const s = await server()
      const audit = logger(s, { batchSize: 2, lingerMs: 50 })
      await audit.logSync(testEvent(0, { tenant_id: s.tenantId }))
      // From now on the server refuses every event, as if the credential were another tenant's.
      s.intercept = (events) => ({
        status: 403,
        body: {
          error: {
            code: 'tenant_mismatch',
            message: 'another tenant',
            details: events.map((_, index) => ({ index, path: 'tenant_id', message: 'no' })),
          },
        },
      })
      audit.log(testEvent(1, { tenant_id: other }))
      audit.log(testEvent(2, { tenant_id: s.tenantId }))
      await eventually(() => audit.stats().retries >= 3, 5_000, 'retries')
      expect(audit.stats()).toMatchObject({ deadLettered: 0, spooled: 2 })
      s.intercept = undefined // the credential is fixed: only the stray is refused
      await audit.flush({ timeoutMs: 5_000 })
      expect(audit.stats()).toMatchObject({ deadLettered: 1, spooled: 0 })
      expect(sealedNumbers(s)).toEqual([0, 2])
    })
  })

  it('rejects the logSync of a poison event with EVENT_REJECTED', async () => {
    const s = await server({ refuse: () => 'never' })
    const audit = logger(s)
    await expect(audit.logSync(testEvent(1))).rejects.toMatchObject({
      code: 'EVENT_REJECTED',
      message: expect.stringContaining('dead-letter.ndjson'),
    })
  })
})

describe('overflow', () => {
  const down = (s: ContractServer) => {
    s.intercept = () => ({ status: 503, body: {} })
  }

  it('drop-newest: counts, emits and reports refused events; log() never throws', async () => {
    const s = await server()
    down(s)
    const lines: string[] = []
    const audit = logger(s, {
      segmentBytes: 64 * 1024,
      maxSpoolBytes: 128 * 1024,
      logger: { warn: (m) => lines.push(m), error: (m) => lines.push(m) },
    })
    const overflows: AuditOverflowError[] = []
    audit.on('overflow', (error) => overflows.push(error))
    for (let i = 0; i < 1000; i++) audit.log(testEvent(i)) // ~300 KB
    const stats = audit.stats()
    expect(stats.overflowed).toBeGreaterThan(400)
    expect(stats.logged + stats.overflowed).toBe(1000)
    expect(stats.spoolBytes).toBeLessThanOrEqual(128 * 1024)
    expect(overflows).toHaveLength(stats.overflowed)
    expect(overflows[0]).toBeInstanceOf(AuditOverflowError)
    expect(overflows[0]?.message).toMatch(/at its limit of 131072 \(maxSpoolBytes\)/)
    // The log sink hears it once, not a thousand times.
    expect(lines.filter((l) => l.includes('maxSpoolBytes'))).toHaveLength(1)
    await expect(audit.logSync(testEvent(1))).rejects.toBeInstanceOf(AuditOverflowError)
  })

  it('throw: log() throws AuditOverflowError once the spool is full', async () => {
    const s = await server()
    down(s)
    const audit = logger(s, {
      segmentBytes: 64 * 1024,
      maxSpoolBytes: 128 * 1024,
      overflow: 'throw',
    })
    let thrown: unknown
    let logged = 0
    for (let i = 0; i < 1000 && thrown === undefined; i++) {
      try {
        audit.log(testEvent(i))
        logged++
      } catch (error) {
        thrown = error
      }
    }
    expect(thrown).toBeInstanceOf(AuditOverflowError)
    expect(thrown).toMatchObject({ code: 'SPOOL_FULL', reason: 'full' })
    expect(audit.stats()).toMatchObject({ logged, overflowed: 1 })
  })

  it('frees space as the server comes back and acknowledges', async () => {
    const s = await server()
    down(s)
    const audit = logger(s, { segmentBytes: 64 * 1024, maxSpoolBytes: 128 * 1024 })
    for (let i = 0; i < 1000; i++) audit.log(testEvent(i))
    const logged = audit.stats().logged
    s.intercept = undefined
    await audit.flush()
    expect(s.sealed.size).toBe(logged)
    await eventually(() => audit.stats().spoolBytes < 64 * 1024, 5_000, 'segments deleted')
    audit.log(testEvent(5000))
    expect(audit.stats().logged).toBe(logged + 1)
  })
})

describe('restarts', () => {
  it('a new logger on the spool sends what the last one left unacknowledged, once', async () => {
    const s = await server()
    s.intercept = () => ({ status: 503, body: {} })
    const spoolDir = tempDir()
    const first = logger(s, { spoolDir })
    for (let i = 0; i < 100; i++) first.log(testEvent(i))
    await first.close({ timeoutMs: 50 })
    expect(() => first.log(testEvent(0))).toThrow(/closed/)

    s.intercept = undefined
    const second = logger(s, { spoolDir })
    await second.ready
    expect(second.stats().recovered).toBe(100)
    await second.flush()
    expect(sealedNumbers(s)).toEqual([...Array(100).keys()])
    await second.close()

    const batches = s.batches.length
    const third = logger(s, { spoolDir })
    await third.ready
    await third.flush()
    expect(third.stats().recovered).toBe(0)
    expect(s.batches.length).toBe(batches) // nothing resent
  })

  it('skips and reports a record torn by a crash, and delivers the rest', async () => {
    const s = await server()
    s.intercept = () => ({ status: 503, body: {} })
    const spoolDir = tempDir()
    const first = logger(s, { spoolDir })
    for (let i = 0; i < 10; i++) first.log(testEvent(i))
    await first.close({ timeoutMs: 0 })
    const [segment] = readdirSync(spoolDir).filter((name) => name.startsWith('seg-'))
    const path = join(spoolDir, segment as string)
    truncateSync(path, statSync(path).size - 7) // the last record lost its end

    s.intercept = undefined
    const second = logger(s, { spoolDir })
    const damage: unknown[] = []
    second.on('corrupt', (region) => damage.push(region))
    await second.ready
    await second.flush()
    expect(sealedNumbers(s)).toEqual([...Array(9).keys()])
    expect(second.stats()).toMatchObject({ recovered: 9, corrupt: 1, acknowledged: 9 })
    expect(second.stats().corruptBytes).toBeGreaterThan(0)
    expect(damage).toHaveLength(1)
  })

  it('flush({timeoutMs}) rejects with TIMEOUT while the server is away; the events still arrive', async () => {
    const s = await server()
    s.intercept = () => ({ status: 503, body: {} })
    const audit = logger(s)
    for (let i = 0; i < 5; i++) audit.log(testEvent(i))
    await expect(audit.flush({ timeoutMs: 100 })).rejects.toMatchObject({
      code: 'TIMEOUT',
      message: expect.stringContaining('5 events not acknowledged'),
    })
    expect(audit.stats().oldestUnackedMs).toBeGreaterThanOrEqual(90)
    s.intercept = undefined
    await audit.flush()
    expect(s.sealed.size).toBe(5)
  })
})

describe('durability', () => {
  it('strict: log() returns with the event already on stable storage', async () => {
    const s = await server()
    const audit = logger(s, { durability: 'strict' })
    for (let i = 0; i < 5; i++) {
      audit.log(testEvent(i))
      expect(audit.stats()).toMatchObject({ logged: i + 1, synced: i + 1 })
    }
  })

  it('group: the group commit reports synced events within a few intervals', async () => {
    const s = await server()
    const audit = logger(s, { syncIntervalMs: 5 })
    const synced: number[] = []
    audit.on('sync', (info) => synced.push(info.synced))
    for (let i = 0; i < 100; i++) audit.log(testEvent(i))
    expect(audit.stats().synced).toBeLessThan(100) // log() did not wait for the disk
    await eventually(() => synced.at(-1) === 100, 5_000, 'the group commit')
    expect(audit.stats().synced).toBe(100)
  })
})

describe('options', () => {
  it('refuse mistakes at start-up with a clear message', () => {
    const spoolDir = tempDir()
    expect(() => createAuditLogger({ spoolDir } as AuditLoggerOptions)).toThrow(
      'createAuditLogger: give either url (the audit API) or transport',
    )
    expect(() => createAuditLogger({ url: 'http://x', spoolDir })).toThrow(
      'give either apiKey or token',
    )
    expect(() => createAuditLogger({ url: 'ftp://x', apiKey: 'k', spoolDir })).toThrow(
      'http(s) URL',
    )
    expect(() =>
      createAuditLogger({ url: 'http://x', apiKey: 'k', spoolDir, batchSize: 5000 }),
    ).toThrow('batchSize must be an integer from 1 to 1000')
    expect(() =>
      createAuditLogger({ url: 'http://x', apiKey: 'k', spoolDir, tenantId: 'T' }),
    ).toThrow('tenantId must be a lowercase UUID')
  })

  it('refuse a credential that is empty or not a string, which the server would refuse forever', () => {
    const spoolDir = tempDir()
    for (const apiKey of ['', 42, null]) {
      expect(() =>
        createAuditLogger({ url: 'http://x', apiKey: apiKey as string, spoolDir }),
      ).toThrow(
        expect.objectContaining({
          code: 'INVALID_OPTIONS',
          message: expect.stringContaining('apiKey must be a non-empty string'),
        }),
      )
    }
    for (const token of ['', 42]) {
      expect(() =>
        createAuditLogger({ url: 'http://x', token: token as string, spoolDir }),
      ).toThrow('token must be a non-empty string or a function')
    }
  })

  it('refuse a logger that is not {warn, error} or false, which would silence every report', () => {
    const spoolDir = tempDir()
    for (const sink of ['console', true, {}, { warn: () => {} }, { warn: 'x', error: 'y' }]) {
      expect(() =>
        createAuditLogger({
          url: 'http://x',
          apiKey: 'k',
          spoolDir,
          logger: sink as unknown as false,
        }),
      ).toThrow(
        expect.objectContaining({
          code: 'INVALID_OPTIONS',
          message: expect.stringContaining(
            'logger must be an object with warn and error functions (e.g. console), or false',
          ),
        }),
      )
    }
  })
})
