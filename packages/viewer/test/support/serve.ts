// `auditseal serve` on PGlite as a child process, and the CLI's other commands the tests use.

import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { CLI } from './paths.js'

const run = promisify(execFile)

export interface ServeOptions {
  readonly port: number
  readonly dataDir: string
  /** Extra environment: the JWT secret, the log level. */
  readonly env: Readonly<Record<string, string>>
}

export interface RunningServe {
  readonly url: string
  /** Everything the server printed, for failure messages. */
  output(): string
  /** SIGTERM, then waits for the process (and its PGlite directory lock) to go. */
  stop(): Promise<void>
}

export async function startServe(options: ServeOptions): Promise<RunningServe> {
  const child = spawn(
    process.execPath,
    [CLI, 'serve', '--port', String(options.port), '--data-dir', options.dataDir],
    { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const url = `http://127.0.0.1:${options.port}`
  try {
    await waitUntilHealthy(url, child, () => output)
  } catch (error) {
    await stopChild(child)
    throw error
  }
  return { url, output: () => output, stop: () => stopChild(child) }
}

/** `auditseal token --tenant T --sub S --roles R`: a development JWT. */
export async function mintToken(
  env: Readonly<Record<string, string>>,
  claims: { tenant: string; sub: string; roles: string },
): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    [CLI, 'token', '--tenant', claims.tenant, '--sub', claims.sub, '--roles', claims.roles],
    { env: { ...process.env, ...env } },
  )
  const token = stdout.trim().split('\n').pop()?.trim()
  if (!token || token.split('.').length !== 3)
    throw new Error(`auditseal token printed no JWT: ${stdout}`)
  return token
}

/** `auditseal api-key create --tenant T --scopes S` (with the server stopped: PGlite). */
export async function createApiKey(
  env: Readonly<Record<string, string>>,
  tenant: string,
  scopes: string,
): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    [CLI, 'api-key', 'create', '--tenant', tenant, '--scopes', scopes],
    { env: { ...process.env, ...env } },
  )
  const key = stdout.trim()
  if (!/^ask_[0-9a-f]{24}_\S+$/.test(key)) throw new Error(`api-key create printed: ${stdout}`)
  return key
}

async function waitUntilHealthy(
  url: string,
  child: ChildProcess,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`auditseal serve exited with ${child.exitCode}:\n${output()}`)
    }
    try {
      if ((await fetch(`${url}/healthz`)).ok) return
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 150))
  }
  throw new Error(`auditseal serve did not become healthy within 60 s:\n${output()}`)
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
  await exited
  clearTimeout(timer)
}
