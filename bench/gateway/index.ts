// bench:gateway — what auditing costs the device gateway. `auditseal serve` runs in-process
// twice per round on fresh storage (PGlite, or PostgreSQL when DATABASE_URL is set): once with
// the real audit sink sealing every device.created into the log, once with a sink that drops
// everything. autocannon drives POST /devices with a unique serial number per request for a
// fixed time after a warm-up; rounds alternate the order so neither mode always runs warm.
//
//   BENCH_DURATION_S (default 10), BENCH_WARMUP_S (2), BENCH_CONNECTIONS (10), BENCH_ROUNDS (2)

import type { RunResult } from './run.js'
import { runOnce } from './run.js'

const options = {
  durationS: Number(process.env.BENCH_DURATION_S ?? 10),
  warmupS: Number(process.env.BENCH_WARMUP_S ?? 2),
  connections: Number(process.env.BENCH_CONNECTIONS ?? 10),
}
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2)

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length

function line(result: RunResult): string {
  const rate = `${Math.round(result.requestsPerSecond).toLocaleString('en-US')} req/s`
  const audit =
    result.mode === 'audited'
      ? `; queue max ${result.maxPending} pending, drained ${Math.round(result.drainMs ?? 0)} ms after the load, ${result.sealed} events sealed`
      : ''
  return (
    `  ${result.mode.padEnd(9)} ${rate.padStart(12)}  p50 ${result.p50Ms} ms  p99 ${result.p99Ms} ms` +
    `  (${result.created} created, ${result.failed} failed${audit})`
  )
}

async function main(): Promise<void> {
  const results: RunResult[] = []
  for (let round = 0; round < ROUNDS; round++) {
    const order: RunResult['mode'][] =
      round % 2 === 0 ? ['unaudited', 'audited'] : ['audited', 'unaudited']
    for (const mode of order) {
      const result = await runOnce(mode, options)
      results.push(result)
      console.log(`round ${round + 1} on ${result.engine}:`)
      console.log(line(result))
    }
  }
  const of = (mode: RunResult['mode']) => results.filter((r) => r.mode === mode)
  const audited = mean(of('audited').map((r) => r.requestsPerSecond))
  const unaudited = mean(of('unaudited').map((r) => r.requestsPerSecond))
  console.log(
    `\nPOST /devices, ${options.connections} connections, ${options.durationS} s per run, ` +
      `${ROUNDS} round(s), mean:`,
  )
  console.log(
    `  audited    ${Math.round(audited)} req/s, p99 ${mean(of('audited').map((r) => r.p99Ms))} ms`,
  )
  console.log(
    `  unaudited  ${Math.round(unaudited)} req/s, p99 ${mean(of('unaudited').map((r) => r.p99Ms))} ms`,
  )
  console.log(`audited/unaudited = ${(audited / unaudited).toFixed(2)} (target ≥ 0.90)`)
}

await main()
