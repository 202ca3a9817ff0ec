// `auditseal export --format ndjson|csv (--database-url URL --tenant T | --url U --token K)
// [filters] [--out FILE]`: a tenant's events to a file or standard output, with a progress bar
// on a terminal. NDJSON is what `auditseal verify --export` checks.

import type { Writable } from 'node:stream'
import type { Command } from 'commander'
import { Option } from 'commander'
import { ACTOR_TYPES, OUTCOMES } from '@auditseal/core'
import { openPostgres } from '../db/postgres.js'
import type { AtomicFile } from '../fs/atomic-file.js'
import { createAtomicFile } from '../fs/atomic-file.js'
import type { EventFilter } from '../store/event-filter.js'
import { VerifyError } from '../verify/errors.js'
import type { ExportFormat } from '../verify/exporter.js'
import { exportFromApi, exportFromDatabase } from '../verify/exporter.js'
import type { Progress } from '../verify/progress.js'
import { NO_PROGRESS, terminalProgress } from '../verify/progress.js'
import { ApiClient } from '../verify/sources/api-client.js'
import { parseDatabaseUrlFlag, parseTenantFlag, parseTimeRange } from './flags.js'
import { catchInterrupts, ExportInterrupted } from './interrupts.js'

export interface ExportFlags {
  format: ExportFormat
  databaseUrl?: string
  tenant?: string
  url?: string
  token?: string
  out?: string
  type?: string
  actorId?: string
  actorType?: string
  targetType?: string
  targetId?: string
  outcome?: string
  from?: string
  to?: string
  q?: string
  progress?: boolean
}

/** The filter flags, their API query names and their EventFilter members. */
const FILTERS = [
  ['type', 'type', 'type'],
  ['actorId', 'actor_id', 'actorId'],
  ['actorType', 'actor_type', 'actorType'],
  ['targetType', 'target_type', 'targetType'],
  ['targetId', 'target_id', 'targetId'],
  ['outcome', 'outcome', 'outcome'],
  ['from', 'from', 'from'],
  ['to', 'to', 'to'],
  ['q', 'q', 'q'],
] as const

export function registerExport(program: Command): void {
  program
    .command('export')
    .description(
      "Export a tenant's events as NDJSON (what `auditseal verify --export` checks) or CSV " +
        '(for spreadsheets; formula-like cells are defused).',
    )
    .addOption(
      new Option('--format <format>', 'ndjson or csv')
        .choices(['ndjson', 'csv'])
        .makeOptionMandatory(),
    )
    .option('--database-url <url>', 'read from PostgreSQL (with --tenant)')
    .option('--tenant <id>', 'the tenant whose events to export')
    .option('--url <url>', 'read through the audit API (with --token)')
    .addOption(
      new Option('--token <token>', 'API key or JWT with the read role').env('AUDITSEAL_TOKEN'),
    )
    .option(
      '--out <file>',
      'write here (replaced only when the export is complete) instead of stdout',
    )
    .option('--type <type>', 'an exact type, or a prefix like device.*')
    .option('--actor-id <id>', 'actor.id, exactly')
    .addOption(new Option('--actor-type <type>', 'actor.type').choices([...ACTOR_TYPES]))
    .option('--target-type <type>', 'target.type, exactly')
    .option('--target-id <id>', 'target.id, exactly')
    .addOption(new Option('--outcome <outcome>', 'success or failure').choices([...OUTCOMES]))
    .option(
      '--from <time>',
      'occurred_at at or after this RFC 3339 time, e.g. 2024-03-07T10:00:00Z',
    )
    .option('--to <time>', 'occurred_at before this RFC 3339 time (with Z or ±HH:MM)')
    .option('--q <words>', 'words that must all occur in the event')
    .option('--no-progress', 'no progress bar, even on a terminal')
    .action(async (flags: ExportFlags) => {
      try {
        await runExport(flags)
      } catch (error) {
        if (!(error instanceof ExportInterrupted)) throw error
        process.stderr.write(`auditseal: ${error.message}\n`)
        // At once, as the signal would have ended it, with the shell's code for it.
        process.exit(error.exitCode)
      }
    })
}

export async function runExport(flags: ExportFlags): Promise<number> {
  // Every flag is checked before anything is opened: a usage error leaves no file behind.
  parseTimeRange(flags.from, flags.to)
  const source = openSource(flags)
  try {
    await source.prepare() // a refused --tenant creates no file either
    const progress = flags.progress === false ? NO_PROGRESS : terminalProgress(process.stderr)
    const { events, note } = await exportTo(flags.out, source, progress)
    if (flags.out !== undefined)
      process.stderr.write(`auditseal: exported ${events} events to ${flags.out}\n`)
    if (note !== undefined) process.stderr.write(`auditseal: ${note}\n`)
    await source.close()
    return events
  } catch (error) {
    // Interrupted: the caller exits at once, so closing must not wait (a database pool waits
    // for the page query in flight, which a hung connection never ends).
    if (error instanceof ExportInterrupted) void source.close().catch(() => {})
    else await source.close().catch(() => {})
    throw error
  }
}

/**
 * Runs the export into `path` (standard output without one). With a path, SIGINT and SIGTERM
 * end it as a failed write does — the temporary file removed, FILE as it was — and reject
 * with ExportInterrupted, instead of killing the process with the temporary file left behind.
 * The handlers are there only while the export runs.
 */
async function exportTo(
  path: string | undefined,
  source: Source,
  progress: Progress,
): Promise<Exported> {
  const interrupts = path === undefined ? undefined : catchInterrupts(path)
  try {
    // A signal while the file is being opened is seen by the race right after.
    const output = await openOutput(path)
    try {
      const exporting = source.run(output.out, progress)
      exporting.catch(() => {}) // when the output fails first, the export's own error is moot
      const exported = await Promise.race([
        exporting,
        output.failed,
        ...(interrupts === undefined ? [] : [interrupts.signalled]),
      ])
      await output.commit()
      return exported
    } catch (error) {
      await output.abort()
      throw error
    } finally {
      progress.stop() // the export stops it too, unless the output failed first
    }
  } finally {
    interrupts?.stop() // only now: a second Ctrl-C while the file is removed changes nothing
  }
}

/** What an export wrote: how many events, and what the user should know about it. */
interface Exported {
  events: number
  note?: string
}

/**
 * Where the events come from. prepare checks what can be checked before a file is created;
 * run writes the events to `out`; close ends a run still going.
 */
interface Source {
  prepare(): Promise<void>
  run(out: Writable, progress: Progress): Promise<Exported>
  close(): Promise<void>
}

/** The source the flags name, checked; nothing is connected yet. */
function openSource(flags: ExportFlags): Source {
  if ((flags.databaseUrl !== undefined) === (flags.url !== undefined)) {
    throw new VerifyError(
      'USAGE',
      'give one source: --database-url URL --tenant T, or --url U --token K',
    )
  }
  if (flags.databaseUrl !== undefined) {
    const databaseUrl = parseDatabaseUrlFlag(flags.databaseUrl)
    if (flags.tenant === undefined) throw new VerifyError('USAGE', '--database-url needs --tenant')
    const tenant = parseTenantFlag(flags.tenant)
    const db = openPostgres(databaseUrl, { max: 1, applicationName: 'auditseal export' })
    return {
      prepare: async () => {},
      async run(out, progress) {
        const { events, logSize } = await exportFromDatabase({
          db,
          tenant,
          format: flags.format,
          filter: filterOf(flags),
          out,
          progress,
        })
        // An empty log is valid (exit 0), but it is also what a mistyped tenant id looks like.
        if (logSize > 0) return { events }
        return { events, note: `tenant ${tenant} has no events (check --tenant)` }
      },
      close: () => db.close(),
    }
  }
  if (flags.token === undefined)
    throw new VerifyError('USAGE', '--url needs --token (or AUDITSEAL_TOKEN)')
  // The token decides the tenant; --tenant, if given, only says which one the user expects.
  const tenant = flags.tenant === undefined ? undefined : parseTenantFlag(flags.tenant)
  // Aborted on close, so a download the output could not take does not keep the process alive.
  const stop = new AbortController()
  const client = new ApiClient({
    url: flags.url as string,
    token: flags.token,
    fetch: (input, init) => fetch(input, { ...init, signal: stop.signal }),
  })
  const filters = queryOf(flags)
  const filtered = Object.keys(filters).length > 0
  let expected: number | undefined
  return {
    // GET /v1/log: the size to show progress against (unfiltered), and the origin, which names
    // the tenant the token reads. A token of another tenant than --tenant is refused, as
    // `auditseal checkpoint` refuses a checkpoint of another tenant.
    async prepare() {
      if (filtered && tenant === undefined) return
      const log = await client.log()
      if (tenant !== undefined && !log.origin.endsWith(`/${tenant}`)) {
        throw new VerifyError(
          'USAGE',
          `--tenant: the API exports the log ${log.origin} to this token, not tenant ${tenant} ` +
            '(the token decides the tenant)',
        )
      }
      if (!filtered) expected = log.treeSize
    },
    async run(out, progress) {
      try {
        const events = await exportFromApi({
          client,
          format: flags.format,
          filters,
          expected,
          out,
          progress,
        })
        return { events }
      } catch (error) {
        // A write error is the output's; an abort is close()'s, after the output failed.
        if (error instanceof VerifyError || stop.signal.aborted || out.errored !== null) throw error
        // Otherwise the answer stopped before its end: the server or the network went away.
        const cause = (error as { cause?: { message?: unknown } }).cause?.message
        const why = `${(error as Error).message}${cause === undefined ? '' : ` (${String(cause)})`}`
        throw new VerifyError('IO', `GET /v1/export: the answer broke off: ${why}`, {
          cause: error,
        })
      }
    },
    async close() {
      stop.abort()
    },
  }
}

function filterOf(flags: ExportFlags): EventFilter {
  const filter: Record<string, string> = {}
  for (const [flag, , member] of FILTERS)
    if (flags[flag] !== undefined) filter[member] = flags[flag]
  return filter as EventFilter
}

function queryOf(flags: ExportFlags): Record<string, string> {
  const query: Record<string, string> = {}
  for (const [flag, name] of FILTERS) if (flags[flag] !== undefined) query[name] = flags[flag]
  return query
}

/**
 * Standard output, or a temporary file next to FILE, created (exclusively) before the export
 * starts and renamed over FILE once complete: a failed export never leaves a partial FILE.
 * `failed` rejects when the file cannot be written, with what to tell the user.
 */
async function openOutput(path: string | undefined): Promise<{
  out: Writable
  failed: Promise<never>
  commit: () => Promise<void>
  abort: () => Promise<void>
}> {
  if (path === undefined) {
    // A reader that stops early (`auditseal export … | head`) closes the pipe: that ends the
    // export quietly, as it does any Unix tool. Another write error is an I/O error (exit 2).
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(0)
      process.stderr.write(`auditseal: cannot write the export: ${error.message}\n`)
      process.exit(2)
    })
    return {
      out: process.stdout,
      failed: new Promise<never>(() => {}),
      commit: async () => {},
      abort: async () => {},
    }
  }
  const cannotWrite = (error: unknown) =>
    new VerifyError('IO', `cannot write ${path}: ${(error as Error).message}`, { cause: error })
  let file: AtomicFile
  try {
    file = await createAtomicFile(path)
  } catch (error) {
    throw cannotWrite(error)
  }
  const failed = new Promise<never>((_resolve, reject) => {
    file.stream.on('error', (error) => reject(cannotWrite(error)))
  })
  failed.catch(() => {}) // seen through the race in runExport, or through commit() below
  return {
    out: file.stream,
    failed,
    async commit() {
      try {
        await file.commit()
      } catch (error) {
        throw cannotWrite(error)
      }
    },
    abort: () => file.abort(),
  }
}
