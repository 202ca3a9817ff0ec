// The audit API for the benchmark: the built `auditseal serve` as a child process on the
// benchmark's database, so the producer (this process) and the server each have their own
// event loop, as in production.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from '../../test-support/free-port.js'

const CLI = fileURLToPath(new URL('../../packages/server/dist/cli.js', import.meta.url))
/** BENCH_SERVE_CPU_PROFILE=dir: where the server writes its CPU profile. */
const PROFILE_DIR = process.env.BENCH_SERVE_CPU_PROFILE

export interface RunningServe {
  url: string
  /** The server's process id, to account for its CPU time. */
  pid: number
  stop(): Promise<void>
}

export async function startServe(databaseUrl: string): Promise<RunningServe> {
  const port = await freePort()
  const dataDir = mkdtempSync(join(tmpdir(), 'auditseal-bench-serve-'))
  const { DATABASE_URL: _url, DATABASE_READ_URL: _read, ...env } = process.env
  const child = spawn(
    process.execPath,
    [
      // A V8 CPU profile of the server, written when it stops (node --cpu-prof).
      ...(PROFILE_DIR === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`]),
      CLI,
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--database-url',
      databaseUrl,
      '--data-dir',
      dataDir,
      '--log-level',
      'warn',
    ],
    {
      env: { ...env, AUDITSEAL_RATE_LIMIT_MAX: '1000000' },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  )
  const url = `http://127.0.0.1:${port}`
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise((resolve) => {
        child.once('exit', resolve)
        child.kill('SIGTERM')
      })
    }
    rmSync(dataDir, { recursive: true, force: true })
  }
  const deadline = Date.now() + 60_000
  while (
    !(await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop()
      throw new Error(`auditseal serve (${CLI}) did not start; build it with npm run build`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return { url, pid: child.pid as number, stop }
}
