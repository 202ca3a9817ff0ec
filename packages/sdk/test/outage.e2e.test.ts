// Issue test 1: the database stops for 30 seconds while 20,000 events are logged through the
// SDK into a real `auditseal serve`; when it comes back, all 20,000 are in the log exactly once.
// The database is a private PostgreSQL cluster (the shared one on 5432 must not be stopped).
import { randomUUID } from 'node:crypto'
import { uuidv7 } from '@auditseal/core'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { createAuditLogger } from '../src/index.js'
import type { AuditLogger } from '../src/index.js'
import { testEvent } from './support/events.js'
import { startPrivatePostgres } from './support/private-postgres.js'
import type { PrivatePostgres } from './support/private-postgres.js'
import { auditseal, createIngestKey, startServe } from './support/serve.js'
import type { Serve } from './support/serve.js'
import { tempDir } from './support/temp.js'

const TOTAL = 20_000
const BEFORE_OUTAGE = 5_000
const OUTAGE_MS = 30_000

let postgres: PrivatePostgres | undefined
let serve: Serve | undefined
let audit: AuditLogger | undefined

afterAll(async () => {
  await audit?.close({ timeoutMs: 0 })
  await serve?.stop()
  await postgres?.destroy()
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('a 30-second database outage', () => {
  it(
    'loses nothing and duplicates nothing of 20,000 events logged across it',
    { timeout: 240_000 },
    async () => {
      postgres = await startPrivatePostgres()
      const databaseUrl = postgres.url()
      await auditseal(['migrate', '--database-url', databaseUrl])
      const tenant = randomUUID()
      const apiKey = await createIngestKey(databaseUrl, tenant)
      // Supervised, as in production: a server that dies in the outage is restarted (and the
      // crash reported); the SDK must deliver everything either way.
      serve = await startServe(databaseUrl, { supervise: true })
      const problems: string[] = []
      audit = createAuditLogger({
        url: serve.url,
        apiKey,
        spoolDir: tempDir(),
        // Keep the longest backoff short so the test does not wait out a 30 s retry at the end.
        retry: { maxDelayMs: 2_000 },
        logger: { warn: (m) => problems.push(m), error: (m) => problems.push(m) },
      })
      const ids: string[] = []
      const logBatch = (count: number) => {
        for (let i = 0; i < count; i++) {
          const id = uuidv7()
          ids.push(id)
          audit?.log(testEvent(ids.length, { id }))
        }
      }

      logBatch(BEFORE_OUTAGE)
      await audit.flush({ timeoutMs: 60_000 })
      expect(audit.stats().acknowledged).toBe(BEFORE_OUTAGE)

      await postgres.stop()
      const stoppedAt = Date.now()
      // The rest is logged during the outage, spread over its first 20 seconds.
      const chunks = 20
      for (let c = 0; c < chunks; c++) {
        logBatch((TOTAL - BEFORE_OUTAGE) / chunks)
        await sleep(1_000)
      }
      expect(ids).toHaveLength(TOTAL)
      await sleep(OUTAGE_MS - (Date.now() - stoppedAt))
      const during = audit.stats()
      expect(during.spooled).toBeGreaterThan(0) // held on disk through the outage
      expect(during.retries).toBeGreaterThan(0)
      expect(during.overflowed).toBe(0)

      await postgres.start()
      await audit.flush({ timeoutMs: 120_000 }).catch((error: Error) => {
        throw new Error(`${error.message}\n--- auditseal serve wrote ---\n${serve?.output()}`)
      })
      const after = audit.stats()
      expect(after).toMatchObject({ spooled: 0, inFlight: 0, deadLettered: 0, overflowed: 0 })
      expect(after.acknowledged).toBeGreaterThanOrEqual(TOTAL)

      const client = new pg.Client({ connectionString: databaseUrl })
      await client.connect()
      try {
        const { rows } = await client.query<{ id: string; copies: number }>(
          `SELECT id::text AS id, count(*)::int AS copies FROM auditseal.audit_events
         WHERE tenant_id = $1 GROUP BY id`,
          [tenant],
        )
        expect(rows.length).toBe(TOTAL)
        expect(rows.filter((r) => r.copies !== 1)).toEqual([])
        const stored = new Set(rows.map((r) => r.id))
        expect(ids.filter((id) => !stored.has(id))).toEqual([])
      } finally {
        await client.end()
      }
      if (serve.crashes.length > 0) {
        console.warn(
          `auditseal serve crashed ${serve.crashes.length} time(s) during the outage and was restarted; ` +
            `the first crash:\n${serve.crashes[0]?.split('\n').slice(-40).join('\n')}`,
        )
      }
      console.info(
        `outage test: ${during.spooled} events spooled at the end of the outage, ${after.retries} retries, ` +
          `${after.duplicates} duplicates acknowledged; first problem report: ${problems[0] ?? 'none'}`,
      )
    },
  )
})
