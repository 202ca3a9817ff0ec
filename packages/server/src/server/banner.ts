// What `auditseal serve` prints once it listens: where it is, where its data and key are,
// each tenant log's verifier key (what an auditor pins, what --vkey takes) and where any
// tenant's comes from, and how to get a development token.

import { randomUUID } from 'node:crypto'
import { relative } from 'node:path'
import { SYSTEM_TENANT_ID, verifierKeyString } from '@auditseal/core'
import type { SigningKey } from '@auditseal/core'
import type { ServerConfig } from '../config/types.js'
import type { LogKeys } from '../store/log-keys.js'
import type { LoadedSigningKey } from './signing-key.js'
import type { LogTenant } from './log-tenants.js'
import type { MigrationOutcome } from './migrate-on-start.js'

export interface BannerFacts {
  url: string
  config: ServerConfig
  signingKey: LoadedSigningKey
  keys: LogKeys
  tenants: readonly LogTenant[]
  tenantsTruncated: boolean
  viewer: boolean
  developmentSecret?: { file: string; created: boolean } | undefined
  migrations: MigrationOutcome
}

export function bannerLines(facts: BannerFacts): string[] {
  const { url, config, signingKey } = facts
  const lines = [`auditseal listening on ${url}`]
  if (config.databaseUrl === undefined) {
    lines.push(
      `  database:      embedded PostgreSQL (PGlite) in ${config.dataDir}`,
      '                 (a killed process loses nothing committed; a power loss may: use',
      '                 --database-url with a PostgreSQL server for that)',
    )
  } else {
    lines.push(`  database:      PostgreSQL ${redact(config.databaseUrl)}`)
    if (config.readDatabaseUrl !== undefined) {
      lines.push(`  reads from:    PostgreSQL ${redact(config.readDatabaseUrl)}`)
    }
  }
  lines.push(...migrationLines(facts.migrations))
  // The key's own verifier key is not labelled as one: it is what `auditseal keygen` printed,
  // and it verifies no tenant's checkpoints (they are signed under the tenant's origin), so
  // offering it where --vkey wants a tenant's key sends people to a failing command.
  lines.push(
    `  signing key:   ${signingKey.file}${signingKey.created ? ' (created now)' : ''}`,
    `                 ${keyString(signingKey.key)} (public)`,
  )
  if (signingKey.warning) lines.push(`  WARNING:       ${signingKey.warning}`)
  if (facts.tenants.length === 0) {
    lines.push('  logs:          none yet (each tenant gets one with its first event)')
  } else {
    lines.push("  logs (each tenant's verifier key):")
    for (const { tenantId, size } of facts.tenants) {
      lines.push(`    ${facts.keys.verifierKey(tenantId)}  (${size} events)`)
    }
    if (facts.tenantsTruncated) lines.push('    … and more')
  }
  // Tenants that have no events yet, or came after the start, are not listed above.
  lines.push(
    '  tenant keys:   --vkey takes a tenant\'s own verifier key: "vkey" of GET /v1/log with a',
    '                 token of that tenant (auditor or admin)',
  )
  if (facts.viewer) lines.push(`  viewer:        ${url}/`)
  lines.push(`  API docs:      ${url}/docs`)
  if (facts.developmentSecret) lines.push(...tokenHint(facts))
  return lines
}

/**
 * What this start did about migrations: no line when it applied none; for a login that may
 * not migrate (it checked as the reader role), what is pending and who must apply it.
 */
function migrationLines(outcome: MigrationOutcome): string[] {
  if (outcome.kind === 'applied') {
    return outcome.applied.length > 0
      ? [`  migrations:    applied ${outcome.applied.join(', ')}`]
      : []
  }
  const owner = 'the database owner must run `auditseal migrate`'
  if (outcome.pending === undefined) {
    return [
      '  migrations:    not checked: the reader role may not read auditseal.schema_migrations',
      `                 (a database migrated before 0013_migrations_readable): ${owner}`,
    ]
  }
  if (outcome.pending.length === 0) {
    return [
      '  migrations:    up to date; this login may not run them: after each upgrade',
      `                 ${owner}`,
    ]
  }
  return [
    `  migrations:    PENDING ${outcome.pending.join(', ')}`,
    `                 this login may not run them: ${owner}`,
  ]
}

function tokenHint(facts: BannerFacts): string[] {
  const secret = facts.developmentSecret as { file: string; created: boolean }
  // Not the system tenant, which sorts first: its log is the server's own (auth failures),
  // and a token for it may have the auditor role only, so `--roles admin` would be refused.
  const tenant =
    facts.tenants.find(({ tenantId }) => tenantId !== SYSTEM_TENANT_ID)?.tenantId ?? randomUUID()
  // The shortest way to name the data directory from here: relative below the current
  // directory, absolute elsewhere, and no flag at all for the default.
  const below = relative(process.cwd(), facts.config.dataDir)
  const dataDir = below === '' || below.startsWith('..') ? facts.config.dataDir : below
  const dirFlag = dataDir === '.auditseal' ? '' : ` --data-dir ${dataDir}`
  return [
    `  development tokens (HS256, secret in ${secret.file}${secret.created ? ', created now' : ''}):`,
    `    auditseal token --tenant ${tenant} --sub alice --roles admin${dirFlag}`,
  ]
}

function keyString(key: SigningKey): string {
  return verifierKeyString(key.name, key.keyId, key.publicKey)
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@')
}
