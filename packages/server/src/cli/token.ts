// `auditseal token`: an HS256 development JWT for the secret the server uses (configured, or
// generated into <data dir>/jwt.secret), printed alone on standard output. When it generates
// the secret itself, it says so on standard error: run outside the server's data directory,
// it signs with a secret no running server knows, whose refusal is a bare 401.

import type { Command } from 'commander'
import { ConfigError } from '../config/errors.js'
import { ensureJwtSecret } from '../config/jwt-secret.js'
import { loadConfig, onlyVariables } from '../config/load.js'

import { signDevelopmentToken } from '../http/auth/jwt.js'
import type { AppRole } from '../http/auth/types.js'
import { APP_ROLES, isAppRole } from '../http/auth/types.js'
import { parseTenantFlag } from './flags.js'

/** What a development token depends on: where the secret is, and the JWT settings. */
const TOKEN_VARIABLES = [
  'AUDITSEAL_DATA_DIR',
  'AUDITSEAL_JWT_SECRET',
  'AUDITSEAL_JWT_JWKS_URL',
  'AUDITSEAL_JWT_ISSUER',
  'AUDITSEAL_JWT_AUDIENCE',
  'AUDITSEAL_JWT_TENANT_CLAIM',
  'AUDITSEAL_JWT_MAX_AGE_S',
]

export interface TokenFlags {
  tenant: string
  sub: string
  roles: string
  /** Default: an hour, or the server's maximum token age if that is shorter. */
  expiresIn?: string
  dataDir?: string
}

// The forms jose's duration parser takes, without the signs and fractions a token needs not.
const DURATION =
  /^([1-9][0-9]{0,8}) ?(s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|weeks?)$/
const UNIT_SECONDS: Readonly<Record<string, number>> = {
  s: 1,
  m: 60,
  h: 3600,
  d: 86_400,
  w: 604_800,
}
const DEFAULT_LIFETIME_S = 3600

export function registerToken(program: Command): void {
  program
    .command('token')
    .description(
      'Print a development JWT (HS256) that `auditseal serve` accepts: signed with ' +
        'AUDITSEAL_JWT_SECRET, or with the secret generated into <data dir>/jwt.secret. ' +
        'Production uses tokens from an identity provider (AUDITSEAL_JWT_JWKS_URL) instead.',
    )
    .requiredOption('--tenant <uuid>', 'the tenant the token is for')
    .requiredOption('--sub <subject>', 'the user, e.g. alice (the actor of gateway events)')
    .requiredOption('--roles <roles>', `comma-separated: ${APP_ROLES.join(', ')}`)
    .option(
      '--expires-in <duration>',
      'lifetime, e.g. 15m, 1h, 7d (default 1h, or AUDITSEAL_JWT_MAX_AGE_S if that is shorter)',
    )
    .option('--data-dir <dir>', 'where the generated secret is kept (default ./.auditseal)')
    .action(async (flags: TokenFlags) => {
      process.stdout.write(`${await runToken(flags)}\n`)
    })
}

export async function runToken(
  flags: TokenFlags,
  env = process.env,
  warn = (line: string) => process.stderr.write(`${line}\n`),
): Promise<string> {
  const tenantId = parseTenantFlag(flags.tenant)
  const roles = parseRoles(flags.roles)
  const sub = flags.sub
  if (sub.length === 0 || sub.length > 1024) {
    throw new ConfigError('--sub: give the user, 1 to 1024 characters')
  }
  const lifetime = flags.expiresIn === undefined ? undefined : durationSeconds(flags.expiresIn)
  const loaded = loadConfig(
    flags.dataDir === undefined ? {} : { dataDir: flags.dataDir },
    onlyVariables(env, TOKEN_VARIABLES),
  )
  if (loaded.jwt.jwksUrl !== undefined) {
    throw new ConfigError(
      'AUDITSEAL_JWT_JWKS_URL is set: the server accepts tokens from that identity provider ' +
        'only, so a development token would be refused. Get a token from the provider.',
    )
  }
  const maxAge = loaded.jwt.maxAgeSeconds
  if (lifetime !== undefined && maxAge !== undefined && lifetime > maxAge) {
    throw new ConfigError(
      `--expires-in ${flags.expiresIn}: the server refuses tokens issued to live longer than ` +
        `AUDITSEAL_JWT_MAX_AGE_S (${maxAge} s); give ${maxAge}s or less`,
    )
  }
  const expiresIn = lifetime ?? Math.min(DEFAULT_LIFETIME_S, maxAge ?? DEFAULT_LIFETIME_S)
  const { config, developmentSecret } = await ensureJwtSecret(loaded)
  if (developmentSecret?.created) {
    warn(
      `auditseal: created a new JWT secret at ${developmentSecret.file}; only a server using ` +
        `this secret accepts this token (auditseal serve --data-dir ${config.dataDir}, or ` +
        'AUDITSEAL_JWT_SECRET set to its contents)',
    )
  }
  return signDevelopmentToken(
    config.jwt.secret as string,
    { sub, tenantId, roles, expiresIn },
    {
      tenantClaim: config.jwt.tenantClaim,
      ...(config.jwt.issuer !== undefined && { issuer: config.jwt.issuer }),
      ...(config.jwt.audience !== undefined && { audience: config.jwt.audience }),
    },
  )
}

function parseRoles(text: string): AppRole[] {
  const roles = text.split(',').map((role) => role.trim())
  const unknown = roles.filter((role) => !isAppRole(role))
  if (roles.length === 0 || unknown.length > 0) {
    throw new ConfigError(
      `--roles: ${JSON.stringify(text)} has unknown roles (${unknown.join(', ')}); use ` +
        APP_ROLES.join(', '),
    )
  }
  return [...new Set(roles)] as AppRole[]
}

/** The seconds a duration such as 15m or 7 days stands for. */
function durationSeconds(text: string): number {
  const match = DURATION.exec(text)
  if (!match) {
    throw new ConfigError(
      `--expires-in: ${JSON.stringify(text)} is not a duration (e.g. 15m, 1h, 7d)`,
    )
  }
  const unit = UNIT_SECONDS[(match[2] as string).charAt(0)] as number
  return Number(match[1]) * unit
}
