// bench:sdk — the SDK against the original fire-and-forget logger, in one run, on a fresh
// database on the PostgreSQL server named by DATABASE_URL (default the local one):
//   (a) log() latency: hrtime around each of BENCH_LATENCY_EVENTS calls, while the sender
//       delivers to a real `auditseal serve` in the background (p50/p99/p999 in µs);
//   (b) sustained events/second through the SDK into the sealed store: log BENCH_EVENTS
//       events, then flush(); every one validated, spooled, sent, sealed and counted;
//   (c) the original approach (an un-awaited INSERT per event through a pg pool of 5, no
//       hashing, no sealing) into the same table: the same two numbers;
//   (d) for reference, sustained events/second through the SDK's in-process transport into a
//       sealer hosted by this process (as the gateway in `auditseal serve` does): no HTTP,
//       but the sealer shares this process's CPU with the producer.
// Under each sustained rate, the CPU each event cost this process, the server and PostgreSQL
// (bench/cpu-time.ts). Targets: p99 log() ≤ 50 µs; sustained ≥ 10× the original (through HTTP).
// BENCH_DURABILITY picks the SDK's durability mode (default: the SDK's default, group).
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { migrate, openPostgres } from '../../packages/server/src/db/index.js'
import { createApiKey } from '../../packages/server/src/http/index.js'
import { nodeCrypto } from '../../packages/server/src/crypto/node-crypto.js'
import { AuditLog } from '../../packages/server/src/store/index.js'
import { createAuditLogger, createInProcessTransport } from '../../packages/sdk/src/index.js'
import type { AuditLogger, AuditLoggerStats, Durability } from '../../packages/sdk/src/index.js'
import { gatewayEvent } from './events.js'
import { originalApproach } from './original.js'
import type { OriginalResult } from './original.js'
import { formatPercentiles, percentiles } from './percentiles.js'
import type { Percentiles } from './percentiles.js'
import { startServe } from './serve.js'
import { cpuLine, measureCpu } from '../cpu-time.js'
import type { Measured } from '../cpu-time.js'

const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const LATENCY_EVENTS = Number(process.env.BENCH_LATENCY_EVENTS ?? 200_000)
const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000)
const ORIGINAL_EVENTS = Number(process.env.BENCH_ORIGINAL_EVENTS ?? 50_000)
/** Batches in flight (the SDK's default is 2). */
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 2)
const DURABILITY = process.env.BENCH_DURABILITY as Durability | undefined
const WARMUP_EVENTS = 20_000
/** log() calls in one tight loop, for the CPU time per call. */
const CPU_EVENTS = 20_000
/** log() calls between two turns of the event loop, as between requests of a busy server. */
const CALLS_PER_TURN = 1_000

async function admin<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query(sql, params)).rows as T[]
  } finally {
    await client.end()
  }
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url)
  u.pathname = `/${name}`
  return u.toString()
}

const turn = () => new Promise((resolve) => setImmediate(resolve))
const events = Array.from({ length: 1000 }, (_, i) => gatewayEvent(i))

/** Logs `count` events; with `micros`, times each call. */
/**
 * Per-call timings of log() and, interleaved with them, of a reference workload: a JSON
 * round trip of the same event (plain JavaScript that allocates about as much). Its tail shows
 * what the machine (other processes, caches, the scheduler) adds to any such call.
 */
interface Timings {
  log: Float64Array
  reference: Float64Array
}

const reference = (event: unknown): unknown => JSON.parse(JSON.stringify(event))

/** Logs `count` events; with `timings`, times each call and the reference workload after it. */
async function logEvents(audit: AuditLogger, count: number, timings?: Timings): Promise<void> {
  for (let i = 0; i < count; i++) {
    const event = events[i % events.length] as (typeof events)[number]
    if (timings) {
      let start = process.hrtime.bigint()
      audit.log(event)
      timings.log[i] = Number(process.hrtime.bigint() - start) / 1000
      start = process.hrtime.bigint()
      reference(event)
      timings.reference[i] = Number(process.hrtime.bigint() - start) / 1000
    } else {
      audit.log(event)
    }
    if (i % CALLS_PER_TURN === CALLS_PER_TURN - 1) await turn()
  }
}

async function countRows(url: string, tenant: string): Promise<{ rows: number; ids: number }> {
  const [row] = await admin<{ rows: number; ids: number }>(
    url,
    `SELECT count(*)::int AS rows, count(DISTINCT id)::int AS ids FROM auditseal.audit_events WHERE tenant_id = $1`,
    [tenant],
  )
  return row as { rows: number; ids: number }
}

const rate = (n: number) => `${Math.round(n).toLocaleString('en-US').padStart(8)} events/s`
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')

interface SdkResult {
  latency: Percentiles
  /** The same measurement around the reference workload. */
  reference: Percentiles
  cpuMicrosPerLog: number
  /** The sustained run: its rate, and the CPU by process. */
  sustained: Measured
  stats: AuditLoggerStats
  logged: number
}

/** The SDK's three numbers, with a real server delivering in the background. */
async function measureSdk(audit: AuditLogger, serverPid: number): Promise<SdkResult> {
  await logEvents(audit, WARMUP_EVENTS)
  await audit.flush()

  const timings = {
    log: new Float64Array(LATENCY_EVENTS),
    reference: new Float64Array(LATENCY_EVENTS),
  }
  await logEvents(audit, LATENCY_EVENTS, timings)
  await audit.flush()

  // CPU time per call: other work on the machine does not inflate it as it does wall time.
  const cpuBefore = process.cpuUsage()
  for (let i = 0; i < CPU_EVENTS; i++)
    audit.log(events[i % events.length] as (typeof events)[number])
  const logCpu = process.cpuUsage(cpuBefore)
  await audit.flush()

  const sustained = await measureCpu(
    EVENTS,
    async () => {
      await logEvents(audit, EVENTS)
      await audit.flush()
    },
    { [serverPid]: 'auditseal serve' },
  )
  return {
    latency: percentiles(timings.log),
    reference: percentiles(timings.reference),
    cpuMicrosPerLog: (logCpu.user + logCpu.system) / CPU_EVENTS,
    sustained,
    stats: audit.stats(),
    logged: WARMUP_EVENTS + LATENCY_EVENTS + CPU_EVENTS + EVENTS,
  }
}

function report(
  sdk: SdkResult,
  original: OriginalResult,
  inProcess: Measured,
  sealed: { rows: number; ids: number },
): void {
  const n = (count: number) => count.toLocaleString('en-US')
  console.log(
    `log() latency over ${n(LATENCY_EVENTS)} calls (${CALLS_PER_TURN} per event-loop turn)`,
  )
  console.log(`  SDK       ${formatPercentiles(sdk.latency)}`)
  console.log(`  original  ${formatPercentiles(original.latency)}   (an un-awaited pool.query)`)
  console.log(
    `  JSON      ${formatPercentiles(sdk.reference)}   (reference: JSON.parse(JSON.stringify(event)), timed between the log() calls)`,
  )
  console.log(
    `  SDK CPU time per log(): ${sdk.cpuMicrosPerLog.toFixed(1)} µs (${n(CPU_EVENTS)} calls in a row)`,
  )
  console.log(`\nsustained, logged until sealed and acknowledged`)
  const sdkRate = sdk.sustained.rate
  const originalRate = original.sustained.rate
  console.log(`  SDK       ${rate(sdkRate)}  (${n(EVENTS)} events; validated, spooled, sealed)`)
  console.log(cpuLine(sdk.sustained))
  console.log(
    `  original  ${rate(originalRate)}  (${n(ORIGINAL_EVENTS)} plain INSERTs, ${original.failed} failed)`,
  )
  console.log(cpuLine(original.sustained))
  console.log(`  SDK / original = ${(sdkRate / originalRate).toFixed(1)}×`)
  console.log(
    `  SDK in-process ${rate(inProcess.rate)}  (${n(EVENTS)} events into a sealer in the producer's process, no HTTP; ` +
      `${(inProcess.rate / originalRate).toFixed(1)}× the original; reference only, the target is through HTTP)`,
  )
  console.log(cpuLine(inProcess))
  const once = sealed.rows === sdk.logged && sealed.ids === sdk.logged
  console.log(
    `\nstore: ${n(sealed.rows)} rows, ${n(sealed.ids)} distinct ids for ${n(sdk.logged)} events ` +
      `logged through the SDK${once ? ' (each exactly once)' : ' — MISMATCH'}`,
  )
  const { retries, duplicates, sendLatencyMs: send } = sdk.stats
  console.log(
    `SDK: ${retries} retries, ${duplicates} duplicates; request p50 ${send.p50.toFixed(1)} ms, p99 ${send.p99.toFixed(1)} ms`,
  )
  console.log(`load average at the end: ${load()}`)
  console.log(
    `\ntargets: p99 log() ≤ 50 µs: ${sdk.latency.p99 <= 50 ? 'met' : 'NOT met'} (${sdk.latency.p99.toFixed(1)} µs); ` +
      `sustained ≥ 10× original: ${sdkRate >= 10 * originalRate ? 'met' : 'NOT met'} (${(sdkRate / originalRate).toFixed(1)}×)`,
  )
}

async function main(): Promise<void> {
  const name = `auditseal_bench_sdk_${Date.now()}`
  await admin(ADMIN_URL, `CREATE DATABASE ${name}`)
  const url = withDatabase(ADMIN_URL, name)
  const spoolDir = mkdtempSync(join(tmpdir(), 'auditseal-bench-spool-'))
  let stopServe = async () => {}
  let audit: AuditLogger | undefined
  try {
    const tenant = randomUUID()
    const apiKey = await prepareDatabase(url, tenant)
    const serve = await startServe(url)
    stopServe = serve.stop
    console.log(
      `bench:sdk on ${new URL(ADMIN_URL).host}, database ${name}, auditseal serve at ${serve.url}`,
    )
    console.log(`${cpus().length} CPUs, load average ${load()}\n`)

    console.log(`SDK durability: ${DURABILITY ?? 'group (the default)'}\n`)
    audit = createAuditLogger({
      url: serve.url,
      apiKey,
      spoolDir,
      concurrency: CONCURRENCY,
      durability: DURABILITY,
    })
    const sdk = await measureSdk(audit, serve.pid)
    await audit.close()
    audit = undefined
    const sealed = await countRows(url, tenant)
    const original = await originalApproach(url, randomUUID(), gatewayEvent, ORIGINAL_EVENTS)
    await stopServe() // the in-process run has the machine to itself, as the others did
    stopServe = async () => {}
    const inProcess = await measureInProcess(url, join(spoolDir, 'in-process'))
    report(sdk, original, inProcess, sealed)
  } finally {
    await audit?.close({ timeoutMs: 0 })
    await stopServe()
    rmSync(spoolDir, { recursive: true, force: true })
    await admin(ADMIN_URL, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  }
}

/**
 * Sustained events/second through the in-process transport into a sealer hosted here, on the
 * same database: logged until sealed and acknowledged, checked in the store.
 */
async function measureInProcess(url: string, spoolDir: string): Promise<Measured> {
  const db = openPostgres(url, { max: 4 })
  const tenant = randomUUID()
  const log = new AuditLog({
    store: { write: db, read: db, close: async () => {} },
    crypto: nodeCrypto,
    logName: 'bench.auditseal.local',
    signingSeed: randomBytes(32),
  })
  const audit = createAuditLogger({
    transport: createInProcessTransport((tenantId, batch) => log.sealer.seal(tenantId, batch)),
    spoolDir,
    tenantId: tenant,
    concurrency: CONCURRENCY,
    durability: DURABILITY,
  })
  try {
    await logEvents(audit, WARMUP_EVENTS)
    await audit.flush()
    const measured = await measureCpu(EVENTS, async () => {
      await logEvents(audit, EVENTS)
      await audit.flush()
    })
    await audit.close()
    const sealed = await countRows(url, tenant)
    const logged = WARMUP_EVENTS + EVENTS
    if (sealed.rows !== logged || sealed.ids !== logged) {
      throw new Error(`in-process: ${sealed.rows} rows, ${sealed.ids} ids for ${logged} events`)
    }
    return measured
  } finally {
    await audit.close({ timeoutMs: 0 })
    await db.close()
  }
}

/** Migrates the fresh database and creates an ingest key for `tenant`. */
async function prepareDatabase(url: string, tenant: string): Promise<string> {
  const db = openPostgres(url, { max: 2 })
  try {
    await migrate(db)
    return (await createApiKey(db, { tenantId: tenant, scopes: ['ingest'] })).key
  } finally {
    await db.close()
  }
}

await main()
