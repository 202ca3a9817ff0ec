// `auditseal checkpoint (--database-url URL --tenant T | --url U --token K) [--out FILE]
// [--vkey V]`: fetch the latest signed checkpoint of a tenant's log — what an auditor keeps
// and later hands to `auditseal verify --trusted`.

import type { Command } from 'commander'
import { Option } from 'commander'
import { createTreeHasher, openCheckpoint, parseCheckpoint } from '@auditseal/core'
import { nodeCrypto } from '../crypto/node-crypto.js'
import { openPostgres } from '../db/postgres.js'
import { writeFileAtomically } from '../fs/atomic-file.js'
import { LogReader } from '../store/log-reader.js'
import { VerifyError } from '../verify/errors.js'
import { parseKey } from '../verify/run.js'
import { ApiClient } from '../verify/sources/api-client.js'
import { parseDatabaseUrlFlag, parseTenantFlag } from './flags.js'

export interface CheckpointFlags {
  tenant?: string
  databaseUrl?: string
  url?: string
  token?: string
  out?: string
  vkey?: string
}

export function registerCheckpoint(program: Command): void {
  program
    .command('checkpoint')
    .description(
      "Fetch the latest signed checkpoint of a tenant's log. Keep it, and pass it to " +
        '`auditseal verify --trusted` later: the log must still contain it.',
    )
    .option('--tenant <id>', 'the tenant (required with --database-url)')
    .option('--database-url <url>', 'read from PostgreSQL')
    .option('--url <url>', 'read through the audit API (with --token)')
    .addOption(
      new Option('--token <token>', 'API key or JWT with the read role').env('AUDITSEAL_TOKEN'),
    )
    .addOption(
      new Option('--vkey <key>', 'check the signature with this verifier key').env(
        'AUDITSEAL_VKEY',
      ),
    )
    .option('--out <file>', 'write the signed note here instead of standard output')
    .action(async (flags: CheckpointFlags) => {
      await runCheckpoint(flags)
    })
}

export async function runCheckpoint(flags: CheckpointFlags): Promise<string> {
  if ((flags.databaseUrl !== undefined) === (flags.url !== undefined)) {
    throw new VerifyError(
      'USAGE',
      'give one source: --database-url URL --tenant T, or --url U --token K',
    )
  }
  const tenant = flags.tenant === undefined ? undefined : parseTenantFlag(flags.tenant)
  const note = await fetchLatest(flags, tenant)
  const { origin, size } = parseCheckpoint(note.slice(0, note.indexOf('\n\n') + 1))
  if (tenant !== undefined && !origin.endsWith(`/${tenant}`)) {
    throw new VerifyError(
      'USAGE',
      `the checkpoint is of the log ${origin}, not of tenant ${tenant}`,
    )
  }
  const status =
    flags.vkey === undefined
      ? 'signature not checked (give --vkey)'
      : (openCheckpoint(nodeCrypto, note, parseKey(nodeCrypto, flags.vkey, '--vkey')),
        'signature verified')
  if (flags.out === undefined) {
    process.stdout.write(note)
  } else {
    await writeNote(flags.out, note)
  }
  process.stderr.write(`auditseal: checkpoint of ${origin} at size ${size}; ${status}\n`)
  return note
}

/** Writes the note to `path` whole or not at all. */
async function writeNote(path: string, note: string): Promise<void> {
  try {
    await writeFileAtomically(path, note)
  } catch (error) {
    throw new VerifyError('IO', `cannot write ${path}: ${(error as Error).message}`, {
      cause: error,
    })
  }
}

async function fetchLatest(flags: CheckpointFlags, tenant: string | undefined): Promise<string> {
  if (flags.url !== undefined) {
    if (flags.token === undefined)
      throw new VerifyError('USAGE', '--url needs --token (or AUDITSEAL_TOKEN)')
    return new ApiClient({ url: flags.url, token: flags.token }).latestCheckpoint()
  }
  if (tenant === undefined) throw new VerifyError('USAGE', '--database-url needs --tenant')
  const db = openPostgres(parseDatabaseUrlFlag(flags.databaseUrl as string), {
    max: 1,
    applicationName: 'auditseal checkpoint',
  })
  try {
    const latest = await new LogReader(db, createTreeHasher(nodeCrypto)).latestCheckpoint(tenant)
    if (latest === undefined) throw new VerifyError('IO', `tenant ${tenant} has no checkpoint yet`)
    return latest.note
  } finally {
    await db.close()
  }
}
