// `auditseal verify`: flags to a verifyLog call, the report to stdout, and the exit code of
// architecture §6 — 0 intact, 1 tampering found (or nothing signed vouches for the events),
// 2 usage or I/O error.

import type { Command } from 'commander'
import { Option } from 'commander'
import { writeFileAtomically } from '../fs/atomic-file.js'
import { VerifyError } from '../verify/errors.js'
import { terminalProgress, NO_PROGRESS } from '../verify/progress.js'
import { reportJson, reportText } from '../verify/render.js'
import type { SourceOptions, VerifyReport } from '../verify/run.js'
import { verifyLog } from '../verify/run.js'
import { parseDatabaseUrlFlag } from './flags.js'
import { abortOnInterrupt, settleOrInterrupt, signalExitCode } from './interrupts.js'

/** How long an interrupted verification may take to stop (a query or request under way). */
const INTERRUPT_GRACE_MS = 2000

export interface VerifyFlags {
  url?: string
  token?: string
  databaseUrl?: string
  tenant?: string
  export?: string
  checkpoint?: string
  vkey?: string
  trusted?: string
  save?: string
  checkpointDir?: string
  strict?: boolean
  json?: boolean
  progress?: boolean
}

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description(
      "Recompute a tenant's log from its events and check it against every signed checkpoint. " +
        'Exit 0: intact; 1: tampering found, or no signed checkpoint vouches for the events; ' +
        '2: usage or I/O error.',
    )
    .option('--url <url>', 'the audit API to verify through (with --token)')
    .addOption(
      new Option('--token <token>', 'API key or JWT with the read role').env('AUDITSEAL_TOKEN'),
    )
    .option(
      '--database-url <url>',
      'read the log straight from PostgreSQL (with --tenant); read-only',
    )
    .option('--tenant <id>', 'the tenant whose log to verify')
    .option('--export <file>', 'verify an NDJSON export (auditseal export --format ndjson)')
    .option('--checkpoint <file>', 'a signed checkpoint to check the export against')
    .addOption(
      new Option('--vkey <key>', "the log's verifier key, <origin>+<hex8>+<base64> (pin it)").env(
        'AUDITSEAL_VKEY',
      ),
    )
    .option('--trusted <file>', 'your saved signed checkpoint: the log must still contain it')
    .option('--save <file>', 'after a clean run, save the newest verified checkpoint here')
    .option('--checkpoint-dir <dir>', 'also check every published copy in <dir>/<tenant>/')
    .option('--strict', 'events beyond the newest signed checkpoint are an error, not a warning')
    .option('--json', 'print the report as JSON')
    .option('--no-progress', 'no progress bar, even on a terminal')
    .action(async (flags: VerifyFlags) => {
      const code = await runVerifyCommand(flags)
      // Interrupted: at once, as the signal would have ended it — a request or query still
      // under way must not keep the process alive.
      if (code > 128) process.exit(code)
      process.exitCode = code
    })
}

/** Runs `auditseal verify` and returns its exit code; all output goes to stdout/stderr. */
export async function runVerifyCommand(flags: VerifyFlags): Promise<number> {
  let report: VerifyReport
  // Ctrl-C, SIGTERM or SIGHUP ends the verification with its temporary files removed (the
  // check for ids sealed twice keeps some), and the exit code the shell expects of the signal.
  const interrupt = new AbortController()
  const stopCatching = abortOnInterrupt(interrupt)
  try {
    const verifying = verifyLog({
      signal: interrupt.signal,
      source: sourceOf(flags),
      ...pick(flags, ['vkey', 'checkpointDir']),
      ...(flags.trusted === undefined ? {} : { trustedFile: flags.trusted }),
      ...(flags.checkpoint === undefined ? {} : { checkpointFile: flags.checkpoint }),
      strict: flags.strict === true,
      progress: flags.progress === false ? NO_PROGRESS : terminalProgress(process.stderr),
    })
    verifying.catch(() => {}) // seen below, unless the interrupt's grace period ends first
    report = await settleOrInterrupt(verifying, interrupt.signal, INTERRUPT_GRACE_MS)
    // A signal while the last steps ran (they do not look at it) still ends the run so.
    interrupt.signal.throwIfAborted()
  } catch (error) {
    if (interrupt.signal.aborted) {
      process.stderr.write('auditseal: verification interrupted\n')
      return signalExitCode(interrupt.signal.reason as NodeJS.Signals)
    }
    return fail(error, flags.json === true)
  } finally {
    stopCatching()
  }
  for (const warning of report.warnings) process.stderr.write(`auditseal: WARNING: ${warning}\n`)
  // Saved before the report is printed, so that what is printed can say the run failed (exit
  // 2) when the save did: a JSON report saying `"exit_code": 0` must not end in exit 2.
  let saved: string | undefined
  if (flags.save !== undefined && report.exitCode === 0) {
    try {
      saved = await save(flags.save, report)
    } catch (error) {
      if (flags.json) return fail(error, true, reportJson(report))
      process.stdout.write(reportText(report))
      return fail(error, false)
    }
  }
  process.stdout.write(
    flags.json ? `${JSON.stringify(reportJson(report), null, 2)}\n` : reportText(report),
  )
  if (saved !== undefined) process.stderr.write(`auditseal: ${saved}\n`)
  return report.exitCode
}

function sourceOf(flags: VerifyFlags): SourceOptions {
  const given = [
    flags.url && '--url',
    flags.databaseUrl && '--database-url',
    flags.export && '--export',
  ].filter((x): x is string => typeof x === 'string')
  if (given.length !== 1) {
    throw new VerifyError(
      'USAGE',
      given.length === 0
        ? 'give one source: --url U --token K, --database-url URL --tenant T, or --export FILE'
        : `give one source, not ${given.join(' and ')}`,
    )
  }
  if (flags.url !== undefined) {
    if (flags.token === undefined)
      throw new VerifyError('USAGE', '--url needs --token (or AUDITSEAL_TOKEN)')
    return { kind: 'api', url: flags.url, token: flags.token, ...tenantOf(flags) }
  }
  if (flags.databaseUrl !== undefined) {
    const databaseUrl = parseDatabaseUrlFlag(flags.databaseUrl)
    if (flags.tenant === undefined) throw new VerifyError('USAGE', '--database-url needs --tenant')
    return { kind: 'database', databaseUrl, tenant: flags.tenant.toLowerCase() }
  }
  return { kind: 'export', file: flags.export as string, ...tenantOf(flags) }
}

/** --tenant, in lowercase (the log keeps tenant ids in lowercase), when given. */
function tenantOf(flags: VerifyFlags): { tenant?: string } {
  return flags.tenant === undefined ? {} : { tenant: flags.tenant.toLowerCase() }
}

/**
 * Writes the newest verified checkpoint whole or not at all, and returns what to tell the
 * user once the report is out (undefined when there was nothing to save).
 */
async function save(path: string, report: VerifyReport): Promise<string | undefined> {
  const checkpoint = report.result.newestMatched
  if (checkpoint === undefined) {
    process.stderr.write('auditseal: WARNING: no verified checkpoint to save\n')
    return undefined
  }
  try {
    await writeFileAtomically(path, checkpoint.note)
  } catch (error) {
    throw new VerifyError('IO', `cannot write ${path}: ${(error as Error).message}`, {
      cause: error,
    })
  }
  return `saved the checkpoint of size ${checkpoint.size} to ${path}`
}

/**
 * Reports an error (exit 2) on stderr and, with --json, as `{"result": "error", …}` — with
 * the report of a verification that did run (`verification`) when only a later step failed.
 */
function fail(error: unknown, json: boolean, verification?: Record<string, unknown>): number {
  const message = error instanceof Error ? error.message : String(error)
  const code =
    error instanceof VerifyError ? error.code : ((error as { code?: unknown }).code ?? 'ERROR')
  process.stderr.write(`auditseal: ${message}\n`)
  if (json) {
    const body = {
      result: 'error',
      exit_code: 2,
      error: { code: String(code), message },
      ...(verification === undefined ? {} : { verification }),
    }
    process.stdout.write(`${JSON.stringify(body, null, 2)}\n`)
  }
  return 2
}

function pick<T extends object, K extends keyof T>(object: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {}
  for (const key of keys) if (object[key] !== undefined) out[key] = object[key]
  return out
}
