// `auditseal api-key create`: a new API key for one tenant, printed once. The key goes alone
// to standard output (so a script can capture it), what it is to standard error. Only a hash
// of it is stored. `auditseal api-key revoke`: the server refuses the key from then on.

import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Command } from 'commander'
import { ConfigError } from '../config/errors.js'
import { loadConfig, onlyVariables } from '../config/load.js'
import type { Store } from '../db/database.js'
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

export interface ApiKeyRevokeFlags {
  tenant: string
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
  apiKey
    .command('revoke')
    .description(
      'Revoke an API key of a tenant, at once and for good: the server refuses it from then ' +
        'on. An id that names no unrevoked key of the tenant (unknown, or revoked already) is ' +
        'an error (exit 2). With the embedded database, stop `auditseal serve` first.',
    )
    .argument('<id>', 'the key id `api-key create` printed (24 hex digits), or the key itself')
    .requiredOption('--tenant <uuid>', 'the tenant the key belongs to')
    .option('--data-dir <dir>', 'the embedded database (default ./.auditseal)')
    .option('--database-url <url>', 'PostgreSQL primary instead (env DATABASE_URL)')
    .action(async (id: string, flags: ApiKeyRevokeFlags) => {
      const revoked = await runApiKeyRevoke(id, flags)
      process.stderr.write(`API key ${revoked.id} of tenant ${revoked.tenantId} is revoked.\n`)
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
  const created = await withStore(flags, env, async (store) => {
    const { createApiKey } = await import('../http/auth/api-keys.js')
    return createApiKey(store.write, {
      tenantId,
      scopes,
      ...(flags.name !== undefined && { name: flags.name }),
    })
  })
  return { ...created, tenantId, scopes }
}

/**
 * Revokes the tenant's key `id`. Throws a ConfigError (exit 2) for a malformed id, and for an
 * id that names no unrevoked key of the tenant: a mistyped id must not look like success.
 */
export async function runApiKeyRevoke(
  id: string,
  flags: ApiKeyRevokeFlags,
  env = process.env,
): Promise<{ id: string; tenantId: string }> {
  const { apiKeyIdOf, revokeApiKey } = await import('../http/auth/api-keys.js')
  // The id `create` prints, or the whole key, of which only the id is used.
  const keyId = apiKeyIdOf(id)
  if (keyId === undefined) {
    throw new ConfigError(
      `${JSON.stringify(id)} is not an API key id (24 lowercase hex digits, as ` +
        '`api-key create` prints it) or an API key',
    )
  }
  const tenantId = parseTenantFlag(flags.tenant)
  const revoked = await withStore({ ...flags, mustExist: true }, env, (store) =>
    revokeApiKey(store.write, tenantId, keyId),
  )
  if (!revoked) {
    throw new ConfigError(
      `tenant ${tenantId} has no API key ${keyId} that is not revoked already ` +
        '(check the id and --tenant)',
    )
  }
  return { id: keyId, tenantId }
}

/** Opens the store the flags name (the embedded database by default) for `use`, then closes it. */
async function withStore<T>(
  flags: { dataDir?: string; databaseUrl?: string; mustExist?: boolean },
  env: NodeJS.ProcessEnv,
  use: (store: Store) => Promise<T>,
): Promise<T> {
  const config = loadConfig(
    {
      ...(flags.dataDir !== undefined && { dataDir: flags.dataDir }),
      ...(flags.databaseUrl !== undefined && { databaseUrl: flags.databaseUrl }),
    },
    onlyVariables(env, ['AUDITSEAL_DATA_DIR', 'DATABASE_URL']), // not serve's other settings
  )
  // Opening the embedded database makes one where there is none: right for a first key, but
  // a revoke with a mistyped --data-dir would make an empty database and find no key there.
  if (
    flags.mustExist === true &&
    config.databaseUrl === undefined &&
    !existsSync(join(config.dataDir, 'PG_VERSION'))
  ) {
    throw new ConfigError(
      `${config.dataDir} holds no auditseal database (check --data-dir, or give --database-url)`,
    )
  }
  // Loaded on use: the database engines are heavy, and other commands need not load them.
  const { openStore } = await import('../db/store.js')
  const store = await openStore({
    ...(config.databaseUrl !== undefined && { writeUrl: config.databaseUrl }),
    dataDir: config.dataDir,
    applicationName: 'auditseal api-key',
  })
  try {
    return await use(store)
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
