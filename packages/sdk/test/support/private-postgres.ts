// A private PostgreSQL cluster that a test may stop and start at will (the shared server on
// 5432 serves other tests in parallel and must never be stopped). Follows the pattern of
// packages/server/test/support/replica.ts: a fresh initdb in a temporary directory, run as the
// postgres OS user (the server refuses root), on a free port, with a detached watchdog that
// stops it and removes its directory if the test process dies without calling destroy().

import { execFile, spawn } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { appendFile, chmod, chown, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../../../../test-support/free-port.js'

export interface PrivatePostgres {
  port: number
  /** A URL for `database` as the superuser postgres (trust authentication). */
  url(database?: string): string
  /** `pg_ctl stop -m fast`: the outage begins. */
  stop(): Promise<void>
  /** Starts it again on the same port. */
  start(): Promise<void>
  /** Stops it (immediately) and removes its directory; safe to call twice. */
  destroy(): Promise<void>
}

const HOST = '127.0.0.1'
const RUNUSER = existsSync('/usr/sbin/runuser') ? '/usr/sbin/runuser' : 'runuser'

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = serverBinaries()
  const root = process.getuid?.() === 0
  const ids = root ? await postgresIds() : undefined
  const wrap = (command: string, args: string[]): [string, string[]] =>
    root ? [RUNUSER, ['-u', 'postgres', '--', command, ...args]] : [command, args]

  const dir = await mkdtemp(join(tmpdir(), 'auditseal-sdk-pg-'))
  if (ids) await chown(dir, ids.uid, ids.gid)
  await chmod(dir, 0o700)
  const port = await freePort()
  const pgCtl = (...args: string[]) => run(wrap(join(bin, 'pg_ctl'), ['-D', dir, ...args]), 60_000)
  let destroyed = false
  try {
    await run(
      wrap(join(bin, 'initdb'), [
        '-D',
        dir,
        '-U',
        'postgres',
        '-A',
        'trust',
        '-E',
        'UTF8',
        '--locale=C',
        '--no-sync',
      ]),
      120_000,
    )
    // The test is about the SDK riding out an outage, not about this server's durability.
    await appendFile(
      join(dir, 'postgresql.conf'),
      [
        `listen_addresses = '${HOST}'`,
        'fsync = off',
        'synchronous_commit = off',
        `shared_buffers = '32MB'`,
        'max_connections = 50',
        '',
      ].join('\n'),
    )
    const start = () =>
      pgCtl('-o', `-p ${port} -k /tmp`, '-l', join(dir, 'log'), '-w', '-t', '60', 'start').catch(
        async (error) => {
          throw new Error(`${(error as Error).message}\n--- log ---\n${await logTail(dir)}`)
        },
      )
    await start()
    spawnWatchdog(bin, dir, root)
    return {
      port,
      url: (database = 'postgres') => `postgres://postgres@${HOST}:${port}/${database}`,
      stop: () => pgCtl('-m', 'fast', '-w', '-t', '60', 'stop').then(() => undefined),
      start: () => start().then(() => undefined),
      destroy: async () => {
        if (destroyed) return
        destroyed = true
        if (existsSync(join(dir, 'postmaster.pid'))) {
          await pgCtl('-m', 'immediate', '-w', '-t', '30', 'stop').catch(() => undefined)
        }
        await rm(dir, { recursive: true, force: true })
      },
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true })
    throw error
  }
}

function serverBinaries(): string {
  const base = '/usr/lib/postgresql'
  const versions = existsSync(base)
    ? readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'pg_ctl')))
    : []
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0]
  if (newest === undefined) throw new Error(`no PostgreSQL server binaries (pg_ctl) under ${base}`)
  return join(base, newest, 'bin')
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const id = async (flag: string) => Number((await run(['id', [flag, 'postgres']], 5_000)).trim())
  return { uid: await id('-u'), gid: await id('-g') }
}

function run([command, args]: [string, string[]], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd: '/', timeout: timeoutMs }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout)
      reject(
        new Error(`${command} ${args.join(' ')} failed: ${stderr}${stdout}`.trim(), {
          cause: error,
        }),
      )
    })
  })
}

async function logTail(dir: string): Promise<string> {
  const text = await readFile(join(dir, 'log'), 'utf8').catch(() => '')
  return text.trimEnd().split('\n').slice(-30).join('\n')
}

/** Stops the cluster and removes its directory once this process is gone. */
function spawnWatchdog(bin: string, dir: string, root: boolean): void {
  const script = `
    while kill -0 "$1" 2>/dev/null && [ -d "$2" ]; do sleep 1; done
    if [ -f "$2/postmaster.pid" ]; then
      if [ -n "$4" ]; then "$4" -u postgres -- "$3" -D "$2" -m immediate -w stop
      else "$3" -D "$2" -m immediate -w stop; fi
    fi
    rm -rf "$2"`
  const args = [String(process.pid), dir, join(bin, 'pg_ctl'), root ? RUNUSER : '']
  spawn('sh', ['-c', script, 'auditseal-sdk-pg-watchdog', ...args], {
    cwd: '/',
    detached: true,
    stdio: 'ignore',
  }).unref()
}
