// `auditseal export --format ndjson|csv (--database-url URL --tenant T | --url U --token K)
// [filters] [--out FILE]`: a tenant's events to a file or standard output, with a progress bar
// on a terminal. NDJSON is what `auditseal verify --export` checks.

import { createWriteStream } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { finished } from 'node:stream/promises'
import type { Writable } from 'node:stream'
import type { Command } from 'commander'
import { Option } from 'commander'
import { ACTOR_TYPES, OUTCOMES } from '@auditseal/core'
import { openPostgres } from '../db/postgres.js'
import type { EventFilter } from '../store/event-filter.js'
import { VerifyError } from '../verify/errors.js'
import type { ExportFormat } from '../verify/exporter.js'
import { exportFromApi, exportFromDatabase } from '../verify/exporter.js'
import { NO_PROGRESS, terminalProgress } from '../verify/progress.js'
import { ApiClient } from '../verify/sources/api-client.js'
import { parseTenantFlag } from './flags.js'

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
    .option('--from <time>', 'occurred_at at or after this RFC 3339 time')
    .option('--to <time>', 'occurred_at before this RFC 3339 time')
    .option('--q <words>', 'words that must all occur in the event')
    .option('--no-progress', 'no progress bar, even on a terminal')
    .action(async (flags: ExportFlags) => {
      await runExport(flags)
    })
}

export async function runExport(flags: ExportFlags): Promise<number> {
  for (const name of ['from', 'to'] as const) {
    const value = flags[name]
    if (value !== undefined && Number.isNaN(Date.parse(value))) {
      throw new VerifyError('USAGE', `--${name}: ${JSON.stringify(value)} is not an RFC 3339 time`)
    }
  }
  const fromDatabase = flags.databaseUrl !== undefined
  if (fromDatabase === (flags.url !== undefined)) {
    throw new VerifyError(
      'USAGE',
      'give one source: --database-url URL --tenant T, or --url U --token K',
    )
  }
  const progress = flags.progress === false ? NO_PROGRESS : terminalProgress(process.stderr)
  const { out, commit, abort } = openOutput(flags.out)
  try {
    let count: number
    if (fromDatabase) {
      if (flags.tenant === undefined)
        throw new VerifyError('USAGE', '--database-url needs --tenant')
      const db = openPostgres(flags.databaseUrl as string, {
        max: 1,
        applicationName: 'auditseal export',
      })
      try {
        const tenant = parseTenantFlag(flags.tenant)
        count = await exportFromDatabase({
          db,
          tenant,
          format: flags.format,
          filter: filterOf(flags),
          out,
          progress,
        })
      } finally {
        await db.close()
      }
    } else {
      if (flags.token === undefined)
        throw new VerifyError('USAGE', '--url needs --token (or AUDITSEAL_TOKEN)')
      const client = new ApiClient({ url: flags.url as string, token: flags.token })
      const filters = queryOf(flags)
      const expected = Object.keys(filters).length === 0 ? (await client.log()).treeSize : undefined
      count = await exportFromApi({
        client,
        format: flags.format,
        filters,
        expected,
        out,
        progress,
      })
    }
    await commit()
    if (flags.out !== undefined)
      process.stderr.write(`auditseal: exported ${count} events to ${flags.out}\n`)
    return count
  } catch (error) {
    await abort()
    throw error
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

/** Standard output, or a temporary file renamed over FILE once complete. */
function openOutput(path: string | undefined): {
  out: Writable
  commit: () => Promise<void>
  abort: () => Promise<void>
} {
  if (path === undefined) {
    // A reader that stops early (`auditseal export … | head`) closes the pipe: that ends the
    // export quietly, as it does any Unix tool. Another write error is an I/O error (exit 2).
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(0)
      process.stderr.write(`auditseal: cannot write the export: ${error.message}\n`)
      process.exit(2)
    })
    return { out: process.stdout, commit: async () => {}, abort: async () => {} }
  }
  const temporary = `${path}.${process.pid}.tmp`
  const out = createWriteStream(temporary, { flags: 'wx' })
  return {
    out,
    async commit() {
      out.end()
      await finished(out)
      await rename(temporary, path)
    },
    async abort() {
      out.destroy()
      await rm(temporary, { force: true })
    },
  }
}
