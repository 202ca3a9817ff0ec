// The real server for end-to-end tests: the built `auditseal` CLI (packages/server/dist/cli.js)
// run as child processes — `migrate`, `api-key create`, and `serve` on a free port.

import { execFile, spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from '../../../../test-support/free-port.js'

export const CLI = fileURLToPath(new URL('../../../server/dist/cli.js', import.meta.url))

/** Runs `auditseal <args>` and resolves its standard output; rejects with its output on failure. */
export function auditseal(args: string[], timeoutMs = 60_000): Promise<string> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build the server (npm run build)`)
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { timeout: timeoutMs, env: cliEnv() },
      (error, stdout, stderr) => {
        if (error)
          reject(
            new Error(`auditseal ${args.join(' ')} failed: ${stderr}${stdout}`, { cause: error }),
          )
        else resolve(stdout)
      },
    )
  })
}

/** A new API key with the ingest scope for `tenant`, stored in the database at `databaseUrl`. */
export async function createIngestKey(databaseUrl: string, tenant: string): Promise<string> {
  const out = await auditseal([
    'api-key',
    'create',
    '--tenant',
    tenant,
    '--scopes',
    'ingest',
    '--database-url',
    databaseUrl,
  ])
  const key = out.trim().split('\n').at(-1)?.trim()
  if (!key) throw new Error(`auditseal api-key create printed no key: ${out}`)
  return key
}

export interface Serve {
  url: string
  /** What the server wrote so far (for failure messages). */
  output(): string
  /** The output of every run that exited on its own (a crash), restarted by supervision. */
  crashes: string[]
  /** SIGTERM, then SIGKILL if it has not exited within 20 s. */
  stop(): Promise<void>
}

export interface ServeOptions {
  /**
   * Restart the server on the same port when it exits on its own, as a process manager
   * would; each crash is recorded in `crashes`.
   */
  supervise?: boolean
}

/** Starts `auditseal serve` on `databaseUrl` and resolves once /healthz answers 200. */
export async function startServe(databaseUrl: string, options: ServeOptions = {}): Promise<Serve> {
  const port = await freePort()
  const dataDir = mkdtempSync(join(tmpdir(), 'auditseal-sdk-serve-'))
  const url = `http://127.0.0.1:${port}`
  const crashes: string[] = []
  let output = ''
  let stopping = false
  const launch = (): ChildProcess => {
    output = ''
    const child = spawn(
      process.execPath,
      [
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
      { env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
    )
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.once('exit', () => {
      if (stopping || !options.supervise) return
      crashes.push(output)
      setTimeout(() => {
        if (!stopping) current = launch()
      }, 200)
    })
    return child
  }
  let current = launch()
  const stop = async () => {
    stopping = true
    await terminate(current)
    rmSync(dataDir, { recursive: true, force: true })
  }
  try {
    await waitForHealth(url, current, () => output)
  } catch (error) {
    await stop()
    throw error
  }
  return { url, output: () => output, crashes, stop }
}

function cliEnv(): NodeJS.ProcessEnv {
  // Flags name the database; nothing inherited may point elsewhere. The SDK's batches must
  // not meet the per-credential rate limit.
  const { DATABASE_URL: _url, DATABASE_READ_URL: _read, ...env } = process.env
  return { ...env, AUDITSEAL_RATE_LIMIT_MAX: '1000000' }
}

async function waitForHealth(
  url: string,
  child: ChildProcess,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `auditseal serve exited (${child.exitCode ?? child.signalCode}):\n${output()}`,
      )
    }
    const ok = await fetch(`${url}/healthz`).then(
      (response) => response.ok,
      () => false,
    )
    if (ok) return
    if (Date.now() > deadline)
      throw new Error(`auditseal serve did not become healthy:\n${output()}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill('SIGTERM')
  })
}
