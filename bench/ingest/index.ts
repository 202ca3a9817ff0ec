// bench:ingest — the write path against the real PostgreSQL server named by DATABASE_URL
// (default the local one), in one run on one fresh database with the same table and indexes:
//   (a) the original system's way: one INSERT per event through a pool of 5, unsealed;
//   (b) raw COPY of the same rows, unsealed;
//   (c) auditseal sealing (dedupe, seq, leaf hashes, Merkle nodes, head) at several batch
//       sizes and concurrencies, reporting the best;
// then PGlite's sealed rate, and, with BENCH_PREFILL=N, the sealed rate into a tenant whose
// log already holds N events next to an empty one. Under (a), (b) and the best (c), the CPU
// each event cost this process and PostgreSQL (bench/cpu-time.ts).
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { nodeCrypto } from '../../packages/server/src/crypto/node-crypto.js'
import { openPglite, openPostgres, migrate } from '../../packages/server/src/db/index.js'
import type { Database } from '../../packages/server/src/db/index.js'
import { AuditLog } from '../../packages/server/src/store/index.js'
import { naiveInserts, rawCopy, toRows } from './baselines.js'
import { benchEvents } from './events.js'
import { prefillTenant } from './prefill.js'
import { settleHeap } from '../settle-heap.js'
import { cpuLine, measureCpu } from '../cpu-time.js'
import type { Measured } from '../cpu-time.js'

const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const NAIVE_EVENTS = Number(process.env.BENCH_NAIVE_EVENTS ?? 20_000)
const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000)
const PREFILL = Number(process.env.BENCH_PREFILL ?? 0)

function withDatabase(url: string, name: string): string {
  const u = new URL(url)
  u.pathname = `/${name}`
  return u.toString()
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

function auditLog(db: Database): AuditLog {
  return new AuditLog({
    store: { write: db, read: db, close: () => db.close() },
    crypto: nodeCrypto,
    logName: 'bench.auditseal.local',
    signingSeed: randomBytes(32),
  })
}

/** Seals `total` events split over `concurrency` tenants, `batch` events per seal. */
async function sealedRate(
  log: AuditLog,
  total: number,
  batch: number,
  concurrency: number,
  tenants: string[] = Array.from({ length: concurrency }, () => randomUUID()),
): Promise<Measured> {
  const perWriter = Math.floor(total / concurrency)
  const work = tenants.map((tenant) => benchEvents(tenant, perWriter))
  settleHeap()
  return measureCpu(perWriter * concurrency, () =>
    Promise.all(
      work.map(async (events, w) => {
        for (let i = 0; i < events.length; i += batch) {
          await log.sealer.seal(tenants[w] as string, events.slice(i, i + batch))
        }
      }),
    ),
  )
}

const fmt = (rate: number) => `${Math.round(rate).toLocaleString('en-US').padStart(8)} events/s`

async function main(): Promise<void> {
  const name = `auditseal_bench_${Date.now()}`
  await admin(`CREATE DATABASE ${name}`)
  const url = withDatabase(ADMIN_URL, name)
  const db = openPostgres(url, { max: 8 })
  try {
    await migrate(db)
    console.log(`bench:ingest on ${new URL(ADMIN_URL).host}, database ${name}\n`)

    const naive = await naiveInserts(url, toRows(benchEvents(randomUUID(), NAIVE_EVENTS)))
    console.log(
      `(a) one INSERT per event, pool of 5, unsealed  ${fmt(naive.rate)}  (${NAIVE_EVENTS} events)`,
    )
    console.log(cpuLine(naive))
    const copy = await rawCopy(url, toRows(benchEvents(randomUUID(), EVENTS)))
    console.log(
      `(b) COPY FROM STDIN, 1 connection, unsealed     ${fmt(copy.rate)}  (${EVENTS} events)`,
    )
    console.log(cpuLine(copy))

    const log = auditLog(db)
    await sealedRate(log, 5_000, 500, 2) // warm up: JIT, partitions, plans
    let best: Measured & { batch: number; concurrency: number } = {
      events: 0,
      rate: 0,
      cpu: undefined,
      batch: 0,
      concurrency: 0,
    }
    for (const concurrency of [1, 2, 4]) {
      for (const batch of [500, 1000, 2000]) {
        const sealed = await sealedRate(log, EVENTS, batch, concurrency)
        console.log(
          `(c) sealed, batch ${String(batch).padStart(4)}, ${concurrency} tenant(s) in parallel ${fmt(sealed.rate)}`,
        )
        if (sealed.rate > best.rate) best = { ...sealed, batch, concurrency }
      }
    }
    console.log(
      `\nbest sealed: batch ${best.batch}, ${best.concurrency} in parallel: ${fmt(best.rate)}`,
    )
    console.log(cpuLine(best))
    console.log(
      `sealed/naive = ${(best.rate / naive.rate).toFixed(2)}, sealed/copy = ${(best.rate / copy.rate).toFixed(2)}`,
    )

    const dir = await mkdtemp(join(tmpdir(), 'auditseal-bench-pglite-'))
    const lite = await openPglite(dir)
    try {
      await migrate(lite)
      const liteLog = auditLog(lite)
      await sealedRate(liteLog, 2_000, 1000, 1)
      const embedded = await sealedRate(liteLog, Math.min(EVENTS, 50_000), best.batch, 1)
      console.log(`\nPGlite (embedded, on disk) sealed, batch ${best.batch}: ${fmt(embedded.rate)}`)
    } finally {
      await lite.close()
      await rm(dir, { recursive: true, force: true })
    }

    if (PREFILL > 0) {
      const big = randomUUID()
      const started = performance.now()
      await prefillTenant(db, big, PREFILL)
      console.log(
        `\nprefilled tenant ${big} with ${PREFILL.toLocaleString('en-US')} events in ${((performance.now() - started) / 1000).toFixed(0)} s`,
      )
      // Both tenants first take one batch, so neither pays for its first touch (the big
      // tenant's index pages, its head) inside a measurement; then they alternate, three
      // rounds, so that the machine's drift falls on both alike.
      const small = randomUUID()
      await sealedRate(log, best.batch, best.batch, 1, [small])
      await sealedRate(log, best.batch, best.batch, 1, [big])
      const round = Math.max(best.batch, Math.floor(EVENTS / 3))
      const seconds = { empty: 0, full: 0 }
      for (let r = 0; r < 3; r++) {
        const empty = await sealedRate(log, round, best.batch, 1, [small])
        const full = await sealedRate(log, round, best.batch, 1, [big])
        console.log(`round ${r + 1}: empty ${fmt(empty.rate)}, large ${fmt(full.rate)}`)
        seconds.empty += round / empty.rate
        seconds.full += round / full.rate
      }
      const empty = (3 * round) / seconds.empty
      const full = (3 * round) / seconds.full
      console.log(`sealed into an empty tenant:           ${fmt(empty)}`)
      console.log(`sealed into the ${PREFILL.toLocaleString('en-US')}-event tenant: ${fmt(full)}`)
      console.log(`large/empty = ${(full / empty).toFixed(2)}`)
    }
  } finally {
    await db.close()
    if (!process.env.BENCH_KEEP) await admin(`DROP DATABASE ${name} WITH (FORCE)`)
  }
}

await main()
