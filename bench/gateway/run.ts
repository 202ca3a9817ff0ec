// One benchmark run: `auditseal serve` in-process on fresh storage, with the real audit sink
// or a no-op sink, driven with POST /devices (a unique serial number per request).

import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { noopSink } from '../../packages/server/src/audit-queue/index.js'
import { loadConfig } from '../../packages/server/src/config/index.js'
import { signDevelopmentToken } from '../../packages/server/src/http/index.js'
import { startServer } from '../../packages/server/src/serve.js'
import { freshStorage } from './storage.js'

const SECRET = 'bench-gateway-secret-of-enough-length'
const SETUP_REQUEST = fileURLToPath(new URL('./setup-request.cjs', import.meta.url))
const TENANT = '0190b6a4-7e5c-7000-8000-00000000be4c'

export interface RunResult {
  mode: 'audited' | 'unaudited'
  engine: string
  requestsPerSecond: number
  p50Ms: number
  p99Ms: number
  created: number
  failed: number
  /** Audited only: the most events waiting in the queue, and how long it took to drain. */
  maxPending?: number
  drainMs?: number
  sealed?: number
}

export async function runOnce(
  mode: RunResult['mode'],
  options: { durationS: number; warmupS: number; connections: number },
): Promise<RunResult> {
  const storage = await freshStorage(mode)
  const config = loadConfig(
    { ...storage.flags, port: 0, checkpointIntervalMs: 1000 },
    {
      AUDITSEAL_JWT_SECRET: SECRET,
      // The benchmark measures the gateway, not the per-credential limit.
      AUDITSEAL_RATE_LIMIT_MAX: '1000000000',
    },
  )
  const server = await startServer(config, {
    logger: false,
    print: () => {},
    ...(mode === 'unaudited' && { sink: () => noopSink() }),
  })
  try {
    const token = await signDevelopmentToken(SECRET, {
      sub: 'bench',
      tenantId: TENANT,
      roles: ['operator'],
      expiresIn: '1h',
    })
    // The load comes from a worker thread, so that it does not share the server's thread;
    // setup-request.cjs gives every request a fresh serial number there.
    const drive = (duration: number) =>
      autocannon({
        url: server.url,
        workers: 1,
        connections: options.connections,
        duration,
        requests: [
          {
            method: 'POST',
            path: '/devices',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            setupRequest: SETUP_REQUEST,
          },
        ],
      })
    await drive(options.warmupS)

    let maxPending = 0
    const sampler = setInterval(() => {
      maxPending = Math.max(maxPending, server.sink.stats().pending)
    }, 50)
    const result = await drive(options.durationS)
    clearInterval(sampler)
    const drainStart = performance.now()
    await server.sink.flush()
    const drainMs = performance.now() - drainStart

    return {
      mode,
      engine: storage.engine,
      requestsPerSecond: result.requests.average,
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      created: result['2xx'],
      failed: result.non2xx + result.errors + result.timeouts,
      ...(mode === 'audited' && { maxPending, drainMs, sealed: server.sink.stats().sealed }),
    }
  } finally {
    await server.close()
    await storage.drop()
  }
}
