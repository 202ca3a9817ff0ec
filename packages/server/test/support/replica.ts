// A real streaming replica of the local PostgreSQL primary, for tests that check reads go to a
// replica and writes to the primary. Needs what .ci/prepare-postgres.sh sets up: a running
// primary that lets user postgres open password-less replication connections from 127.0.0.1.
//
//   const replica = await startReplica()
//   try { ...; await replica.waitForReplay(); ... } finally { await replica.stop() }
//
// Each replica is a base backup (pg_basebackup -R -X stream) in a fresh temporary directory,
// started on a free port as the postgres OS user (the server refuses to run as root). No
// replication slot is created, so a replica that is never stopped holds back no WAL on the
// primary; a small detached watchdog stops it and removes its directory if the process that
// started it exits without calling stop().

import { execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { chmod, chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import pg from 'pg'
import { freePort } from '../../../../test-support/free-port.js'

export interface Replica {
  /** The TCP port the replica listens on, at 127.0.0.1. */
  port: number
  /** A connection URL for `database` on the replica, as the primary URL's user. */
  url(database: string): string
  /** Waits until the replica has replayed the primary's WAL up to its position at the call. */
  waitForReplay(): Promise<void>
  /** Stops the replica and removes its data directory. Safe to call more than once. */
  stop(): Promise<void>
}

export interface StartReplicaOptions {
  /** The primary to replicate; defaults to postgres://postgres@127.0.0.1:5432/postgres. */
  primaryUrl?: string
}

const DEFAULT_PRIMARY_URL = 'postgres://postgres@127.0.0.1:5432/postgres'
const HOST = '127.0.0.1'
const RUNUSER = existsSync('/usr/sbin/runuser') ? '/usr/sbin/runuser' : 'runuser'
const SETUP_HINT = 'the primary must be running and allow replication (.ci/prepare-postgres.sh)'

const CONNECT_TIMEOUT_MS = 5_000
const QUERY_TIMEOUT_MS = 10_000
const BASEBACKUP_TIMEOUT_MS = 60_000
const START_TIMEOUT_S = 30
const STREAMING_TIMEOUT_MS = 20_000
const REPLAY_TIMEOUT_MS = 20_000
const STOP_TIMEOUT_S = 15
const POLL_MS = 25
const LOG_TAIL_LINES = 40

// A hot standby refuses to start if any of these is lower than on its primary.
const HOT_STANDBY_MINIMUMS = [
  'max_connections',
  'max_worker_processes',
  'max_wal_senders',
  'max_prepared_transactions',
  'max_locks_per_transaction',
]
// Session defaults a test could observe, so the replica answers like the primary.
const SESSION_DEFAULTS = [
  'TimeZone',
  'DateStyle',
  'IntervalStyle',
  'lc_messages',
  'lc_monetary',
  'lc_numeric',
  'lc_time',
  'default_text_search_config',
]

export async function startReplica(options: StartReplicaOptions = {}): Promise<Replica> {
  const primaryUrl = options.primaryUrl ?? DEFAULT_PRIMARY_URL
  const primary = await describePrimary(primaryUrl)
  const bin = await serverBinaries(primary.majorVersion)
  const runAs = await osUser()

  const dir = await mkdtemp(join(tmpdir(), 'auditseal-replica-'))
  let started = false
  try {
    if (runAs.root) await chown(dir, runAs.uid, runAs.gid)
    await chmod(dir, 0o700)

    await run(
      runAs.wrap(join(bin, 'pg_basebackup'), [
        '-d',
        primaryUrl,
        '-D',
        dir,
        '-R', // standby.signal + primary_conninfo
        '-X',
        'stream',
        '-c',
        'fast', // don't wait for a spread checkpoint on the primary
        '-N', // no fsync: the copy is thrown away
      ]),
      BASEBACKUP_TIMEOUT_MS,
      `pg_basebackup from ${redact(primaryUrl)} into ${dir} (${SETUP_HINT})`,
    )

    // A Debian cluster keeps its configuration in /etc, so the copy has none: give it its own.
    const conf = [
      `listen_addresses = '${HOST}'`,
      `unix_socket_directories = '/tmp'`,
      `cluster_name = ${quote(basename(dir))}`,
      'hot_standby = on',
      'hot_standby_feedback = on',
      `wal_retrieve_retry_interval = '200ms'`,
      'fsync = off',
      `shared_buffers = '32MB'`,
      `log_line_prefix = '%m [%p] %q%u@%d '`,
      ...primary.settings.map(([name, value]) => `${name} = ${quote(value)}`),
    ]
    await writeOwned(join(dir, 'postgresql.conf'), conf.join('\n') + '\n', runAs)
    await writeOwned(
      join(dir, 'pg_hba.conf'),
      `local all all trust\nhost all all ${HOST}/32 trust\n`,
      runAs,
    )
    await writeOwned(join(dir, 'pg_ident.conf'), '', runAs)

    // The port is free when found but not reserved: if someone takes it first, try another.
    let port = 0
    for (let attempt = 1; ; attempt++) {
      port = await freePort()
      started = true
      try {
        await run(
          runAs.wrap(join(bin, 'pg_ctl'), [
            '-D',
            dir,
            '-o',
            `-p ${port}`,
            '-l',
            join(dir, 'log'),
            '-w',
            '-t',
            String(START_TIMEOUT_S),
            'start',
          ]),
          (START_TIMEOUT_S + 10) * 1000,
          `pg_ctl start of the replica in ${dir} on port ${port}`,
        )
        break
      } catch (error) {
        const log = await logTail(dir)
        if (attempt >= 3 || !/could not bind|could not create lock file|in use/i.test(log)) {
          throw withLog(error, dir, log)
        }
        await stopServer(bin, dir, runAs).catch(() => {})
      }
    }

    spawnWatchdog(bin, dir, runAs)

    const url = (database: string) =>
      `postgres://${encodeURIComponent(primary.user)}@${HOST}:${port}/${encodeURIComponent(database)}`

    await waitForStreaming(url('postgres'), dir)

    let stopping: Promise<void> | undefined
    return {
      port,
      url,
      waitForReplay: () => waitForReplay(primaryUrl, url('postgres'), dir),
      stop: () => (stopping ??= shutdown(bin, dir, runAs)),
    }
  } catch (error) {
    const log = started ? await logTail(dir) : ''
    await shutdown(bin, dir, runAs).catch(() => {})
    throw log ? withLog(error, dir, log) : error
  }
}

class ReplicaError extends Error {
  override name = 'ReplicaError'
}

/** Errors whose message already ends with the replica's log. */
const withLogAttached = new WeakSet<Error>()

interface Primary {
  user: string
  majorVersion: number
  settings: [string, string][]
}

async function describePrimary(primaryUrl: string): Promise<Primary> {
  const what = `the primary at ${redact(primaryUrl)} (${SETUP_HINT})`
  return withClient(primaryUrl, what, async (client) => {
    const info = await client.query<{ user: string; version: string; recovery: boolean }>(
      `SELECT current_user AS user, current_setting('server_version_num') AS version,
              pg_is_in_recovery() AS recovery`,
    )
    const row = info.rows[0]
    if (!row) throw new ReplicaError('the primary returned no row for its version')
    if (row.recovery) {
      throw new ReplicaError(`${redact(primaryUrl)} is itself a standby, not a primary`)
    }
    const settings = await client.query<{ name: string; value: string }>(
      'SELECT name, reset_val AS value FROM pg_settings WHERE name = ANY($1::text[]) ORDER BY name',
      [[...HOT_STANDBY_MINIMUMS, ...SESSION_DEFAULTS]],
    )
    return {
      user: row.user,
      majorVersion: Math.floor(Number(row.version) / 10_000),
      settings: settings.rows.map((s): [string, string] => [s.name, s.value]),
    }
  })
}

/** The server binaries of the primary's major version: Debian's layout, else pg_config's. */
async function serverBinaries(majorVersion: number): Promise<string> {
  const debian = `/usr/lib/postgresql/${majorVersion}/bin`
  if (existsSync(join(debian, 'pg_ctl'))) return debian
  const fromPgConfig = await run(['pg_config', ['--bindir']], 10_000, 'pg_config --bindir')
    .then((out) => out.trim())
    .catch(() => '')
  if (fromPgConfig && existsSync(join(fromPgConfig, 'pg_ctl'))) return fromPgConfig
  throw new ReplicaError(
    `no PostgreSQL ${majorVersion} server binaries (pg_ctl) in ${debian} or pg_config --bindir`,
  )
}

interface RunAs {
  root: boolean
  uid: number
  gid: number
  wrap(command: string, args: string[]): [string, string[]]
}

/** PostgreSQL refuses to run as root: as root, run its programs as the postgres OS user. */
async function osUser(): Promise<RunAs> {
  if (process.getuid?.() !== 0) {
    return { root: false, uid: -1, gid: -1, wrap: (command, args) => [command, args] }
  }
  const id = async (flag: string) =>
    Number((await run(['id', [flag, 'postgres']], 5_000, `id ${flag} postgres`)).trim())
  return {
    root: true,
    uid: await id('-u'),
    gid: await id('-g'),
    wrap: (command, args) => [RUNUSER, ['-u', 'postgres', '--', command, ...args]],
  }
}

async function writeOwned(path: string, text: string, runAs: RunAs): Promise<void> {
  await writeFile(path, text, { mode: 0o600 })
  if (runAs.root) await chown(path, runAs.uid, runAs.gid)
}

async function waitForStreaming(replicaUrl: string, dir: string): Promise<void> {
  const deadline = Date.now() + STREAMING_TIMEOUT_MS
  let last = 'no answer yet'
  const streaming = await withClient(replicaUrl, 'the replica', async (client) => {
    for (;;) {
      const { rows } = await client.query<{ recovery: boolean; receiver: string | null }>(
        `SELECT pg_is_in_recovery() AS recovery,
                (SELECT status FROM pg_stat_wal_receiver) AS receiver`,
      )
      const row = rows[0]
      if (row?.recovery && row.receiver === 'streaming') return true
      last = `pg_is_in_recovery() = ${row?.recovery}, wal receiver status = ${row?.receiver}`
      if (Date.now() > deadline) return false
      await sleep(POLL_MS)
    }
  })
  if (streaming) return
  throw withLog(
    new ReplicaError(
      `the replica did not start streaming from the primary within ${STREAMING_TIMEOUT_MS} ms (${last})`,
    ),
    dir,
    await logTail(dir),
  )
}

async function waitForReplay(primaryUrl: string, replicaUrl: string, dir: string): Promise<void> {
  const target = await withClient(primaryUrl, 'the primary', async (client) => {
    const { rows } = await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')
    return rows[0]?.lsn ?? '0/0'
  })
  const deadline = Date.now() + REPLAY_TIMEOUT_MS
  let replayed: string | null = null
  const done = await withClient(replicaUrl, 'the replica', async (client) => {
    for (;;) {
      const { rows } = await client.query<{ done: boolean; replayed: string | null }>(
        `SELECT coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) AS done,
                pg_last_wal_replay_lsn()::text AS replayed`,
        [target],
      )
      if (rows[0]?.done) return true
      replayed = rows[0]?.replayed ?? null
      if (Date.now() > deadline) return false
      await sleep(POLL_MS)
    }
  })
  if (done) return
  throw withLog(
    new ReplicaError(
      `the replica did not replay the primary's WAL up to ${target} within ${REPLAY_TIMEOUT_MS} ms ` +
        `(replayed up to ${replayed})`,
    ),
    dir,
    await logTail(dir),
  )
}

async function shutdown(bin: string, dir: string, runAs: RunAs): Promise<void> {
  let failure: unknown
  try {
    await stopServer(bin, dir, runAs)
  } catch (error) {
    failure = withLog(error, dir, await logTail(dir))
  }
  await rm(dir, { recursive: true, force: true })
  if (failure) throw failure
}

/** Fast shutdown, then immediate, then SIGKILL; does nothing if no postmaster runs there. */
async function stopServer(bin: string, dir: string, runAs: RunAs): Promise<void> {
  const pidFile = join(dir, 'postmaster.pid')
  if (!existsSync(pidFile)) return
  const pgCtl = join(bin, 'pg_ctl')
  const stop = (mode: string) =>
    run(
      runAs.wrap(pgCtl, ['-D', dir, '-m', mode, '-w', '-t', String(STOP_TIMEOUT_S), 'stop']),
      (STOP_TIMEOUT_S + 5) * 1000,
      `pg_ctl stop -m ${mode} of the replica in ${dir}`,
    )
  try {
    await stop('fast')
    return
  } catch (error) {
    if (!existsSync(pidFile)) return
    try {
      await stop('immediate')
      return
    } catch {
      const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).split('\n')[0])
      if (Number.isInteger(pid) && pid > 0) {
        try {
          process.kill(pid, 'SIGKILL')
        } catch {
          // already gone
        }
      }
      throw error
    }
  }
}

/**
 * Stops the replica and removes its directory once the process that started it is gone or the
 * directory is. Detached and unreferenced: it neither keeps this process alive nor dies with it.
 */
function spawnWatchdog(bin: string, dir: string, runAs: RunAs): void {
  const script = `
    while kill -0 "$1" 2>/dev/null && [ -d "$2" ]; do sleep 1; done
    if [ -f "$2/postmaster.pid" ]; then
      if [ -n "$4" ]; then "$4" -u postgres -- "$3" -D "$2" -m immediate -w stop
      else "$3" -D "$2" -m immediate -w stop; fi
    fi
    rm -rf "$2"`
  const args = [String(process.pid), dir, join(bin, 'pg_ctl'), runAs.root ? RUNUSER : '']
  spawn('sh', ['-c', script, 'auditseal-replica-watchdog', ...args], {
    cwd: '/',
    detached: true,
    stdio: 'ignore',
  }).unref()
}

async function withClient<T>(
  url: string,
  what: string,
  use: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
  })
  client.on('error', () => {}) // a terminated idle connection must not crash the test process
  try {
    await client.connect()
  } catch (error) {
    throw new ReplicaError(`could not connect to ${what}: ${message(error)}`, { cause: error })
  }
  try {
    return await use(client)
  } finally {
    await client.end().catch(() => {})
  }
}

function run([command, args]: [string, string[]], timeoutMs: number, what: string) {
  return new Promise<string>((resolve, reject) => {
    execFile(command, args, { cwd: '/', timeout: timeoutMs }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout)
      const how = error.killed
        ? `timed out after ${timeoutMs} ms`
        : `failed (${error.code ?? error.signal})`
      const output = `${stderr}${stdout}`.trim()
      reject(new ReplicaError(`${what} ${how}${output ? `:\n${output}` : ''}`, { cause: error }))
    })
  })
}

async function logTail(dir: string): Promise<string> {
  const text = await readFile(join(dir, 'log'), 'utf8').catch(() => '')
  return text.trimEnd().split('\n').slice(-LOG_TAIL_LINES).join('\n')
}

function withLog(error: unknown, dir: string, log: string): ReplicaError {
  if (error instanceof ReplicaError && withLogAttached.has(error)) return error
  const tail = log ? `\n--- last lines of ${join(dir, 'log')} ---\n${log}` : ''
  const wrapped = new ReplicaError(`${message(error)}${tail}`, { cause: error })
  withLogAttached.add(wrapped)
  return wrapped
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@')
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
