// `auditseal api-key create`: a new API key for one tenant, printed once. The key goes alone
// to standard output (so a script can capture it), what it is to standard error. Only a hash
// of it is stored.

import type { Command } from 'commander'
import { ConfigError } from '../config/errors.js'
import { loadConfig } from '../config/load.js'
import type { ApiKeyScope } from '../http/auth/types.js'
import { API_KEY_SCOPES, isApiKeyScope } from '../http/auth/types.js'
import { parseTenantFlag } from './flags.js'

export interface ApiKeyCreateFlags {
  tenant: string
  scopes: string
  name?: string
  dataDir?: string
  databaseUrl?: string
}

export function registerApiKey(program: Command): void {
  const apiKey = program.command('api-key').description('Manage API keys of the HTTP API.')
  apiKey
    .command('create')
    .description(
      'Create an API key for one tenant and print it once (only its hash is stored). With the ' +
        'embedded database, stop `auditseal serve` first: one process at a time may open it.',
    )
    .requiredOption('--tenant <uuid>', 'the tenant whose log the key may use')
    .requiredOption(
      '--scopes <scopes>',
      `comma-separated: ${API_KEY_SCOPES.join(', ')} (admin implies the others)`,
    )
    .option('--name <name>', 'a label for people, 1 to 200 characters')
    .option('--data-dir <dir>', 'the embedded database (default ./.auditseal)')
    .option('--database-url <url>', 'PostgreSQL primary instead (env DATABASE_URL)')
    .action(async (flags: ApiKeyCreateFlags) => {
      const created = await runApiKeyCreate(flags)
      process.stderr.write(
        `API key ${created.id} for tenant ${created.tenantId} with scopes ` +
          `${created.scopes.join(', ')}. It is shown once: store it now.\n`,
      )
      process.stdout.write(`${created.key}\n`)
    })
}

export async function runApiKeyCreate(
  flags: ApiKeyCreateFlags,
  env = process.env,
): Promise<{ id: string; key: string; tenantId: string; scopes: ApiKeyScope[] }> {
  const tenantId = parseTenantFlag(flags.tenant)
  const scopes = parseScopes(flags.scopes)
  if (flags.name !== undefined && (flags.name.length < 1 || flags.name.length > 200)) {
    throw new ConfigError('--name: a key name has 1 to 200 characters')
  }
  const config = loadConfig(
    {
      ...(flags.dataDir !== undefined && { dataDir: flags.dataDir }),
      ...(flags.databaseUrl !== undefined && { databaseUrl: flags.databaseUrl }),
    },
    env,
  )
  // Loaded on use: the database engines are heavy, and other commands need not load them.
  const [{ openStore }, { createApiKey }] = await Promise.all([
    import('../db/store.js'),
    import('../http/auth/api-keys.js'),
  ])
  const store = await openStore({
    ...(config.databaseUrl !== undefined && { writeUrl: config.databaseUrl }),
    dataDir: config.dataDir,
    applicationName: 'auditseal api-key',
  })
  try {
    const created = await createApiKey(store.write, {
      tenantId,
      scopes,
      ...(flags.name !== undefined && { name: flags.name }),
    })
    return { ...created, tenantId, scopes }
  } finally {
    await store.close()
  }
}

function parseScopes(text: string): ApiKeyScope[] {
  const scopes = text.split(',').map((scope) => scope.trim())
  const unknown = scopes.filter((scope) => !isApiKeyScope(scope))
  if (unknown.length > 0) {
    throw new ConfigError(
      `--scopes: ${JSON.stringify(text)} has unknown scopes (${unknown.join(', ')}); use ` +
        API_KEY_SCOPES.join(', '),
    )
  }
  return [...new Set(scopes)] as ApiKeyScope[]
}
