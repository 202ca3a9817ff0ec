// loadConfig: flags, then environment variables, then defaults — parsed once at start into a
// validated, deep-frozen ServerConfig that is passed down. Nothing else reads process.env.

import { join, resolve } from 'node:path'
import { ConfigError } from './errors.js'
import { deepFreeze } from './freeze.js'
import type { ServerConfig } from './types.js'
import type { RawValue } from './values.js'
import {
  parseDatabaseUrl,
  parseHost,
  parseHttpUrl,
  parseJwtSecret,
  parseLogLevel,
  parseLogName,
  parseName,
  parsePath,
  parsePort,
  parsePositiveInteger,
  parseTrustedProxies,
} from './values.js'

/** Command-line flags as commander hands them over (strings; numbers in tests). */
export interface ConfigFlags {
  port?: string | number
  host?: string
  dataDir?: string
  databaseUrl?: string
  readDatabaseUrl?: string
  logName?: string
  signingKeyFile?: string
  checkpointIntervalMs?: string | number
  checkpointDir?: string
  logLevel?: string
  trustProxy?: string
}

/** The environment: process.env in production, a plain object in tests. */
export type ConfigEnv = Readonly<Record<string, string | undefined>>

export const DEFAULTS = Object.freeze({
  port: 3000,
  host: '127.0.0.1',
  dataDir: './.auditseal',
  logName: 'auditseal.local',
  signingKeyFileName: 'signing.key',
  checkpointIntervalMs: 1000,
  jwtTenantClaim: 'tenant_id',
  // 100 requests a second per credential, averaged over a minute: far above an ingest client
  // sending 1,000-event batches, low enough that one runaway client cannot starve the rest.
  rateLimitMax: 6000,
  rateLimitWindowMs: 60_000,
  bodyLimitBytes: 4 * 1024 * 1024,
  logLevel: 'info',
})

/**
 * loadConfig builds the server's configuration. Each setting is taken from its flag, else its
 * environment variable, else its default; an empty environment variable counts as unset.
 * Throws ConfigError naming the flag or variable and the bad value.
 */
export function loadConfig(flags: ConfigFlags, env: ConfigEnv): ServerConfig {
  const setting = (flag: keyof ConfigFlags | undefined, variable: string) =>
    pick(flag === undefined ? undefined : flags[flag], flag, env, variable)
  const optional = <T>(raw: RawValue | undefined, parse: (raw: RawValue) => T) =>
    raw === undefined ? undefined : parse(raw)

  const path = (raw: RawValue | undefined) => optional(raw, parsePath)
  const dataDir = resolve(path(setting('dataDir', 'AUDITSEAL_DATA_DIR')) ?? DEFAULTS.dataDir)
  const databaseUrl = optional(setting('databaseUrl', 'DATABASE_URL'), parseDatabaseUrl)
  const readRaw = setting('readDatabaseUrl', 'DATABASE_READ_URL')
  const readDatabaseUrl = optional(readRaw, parseDatabaseUrl)
  if (readRaw !== undefined && databaseUrl === undefined) {
    throw new ConfigError(
      `${readRaw.from} needs a primary as well: give --database-url or DATABASE_URL ` +
        '(the embedded database has no replica)',
    )
  }
  const signingKeyFile = path(setting('signingKeyFile', 'AUDITSEAL_SIGNING_KEY_FILE'))
  const checkpointDir = path(setting('checkpointDir', 'AUDITSEAL_CHECKPOINT_DIR'))
  const trustProxy = optional(setting('trustProxy', 'AUDITSEAL_TRUST_PROXY'), parseTrustedProxies)

  const config: ServerConfig = {
    host: optional(setting('host', 'AUDITSEAL_HOST'), parseHost) ?? DEFAULTS.host,
    port: optional(setting('port', 'AUDITSEAL_PORT'), parsePort) ?? DEFAULTS.port,
    dataDir,
    ...(databaseUrl !== undefined && { databaseUrl }),
    ...(readDatabaseUrl !== undefined && { readDatabaseUrl }),
    logName: optional(setting('logName', 'AUDITSEAL_LOG_NAME'), parseLogName) ?? DEFAULTS.logName,
    signingKeyFile: resolve(signingKeyFile ?? join(dataDir, DEFAULTS.signingKeyFileName)),
    checkpointIntervalMs:
      optional(
        setting('checkpointIntervalMs', 'AUDITSEAL_CHECKPOINT_INTERVAL_MS'),
        parsePositiveInteger,
      ) ?? DEFAULTS.checkpointIntervalMs,
    ...(checkpointDir !== undefined && { checkpointDir: resolve(checkpointDir) }),
    jwt: loadJwt(setting),
    rateLimit: {
      max:
        optional(setting(undefined, 'AUDITSEAL_RATE_LIMIT_MAX'), parsePositiveInteger) ??
        DEFAULTS.rateLimitMax,
      windowMs:
        optional(setting(undefined, 'AUDITSEAL_RATE_LIMIT_WINDOW_MS'), parsePositiveInteger) ??
        DEFAULTS.rateLimitWindowMs,
    },
    bodyLimitBytes:
      optional(setting(undefined, 'AUDITSEAL_BODY_LIMIT_BYTES'), parsePositiveInteger) ??
      DEFAULTS.bodyLimitBytes,
    logLevel:
      optional(setting('logLevel', 'AUDITSEAL_LOG_LEVEL'), parseLogLevel) ?? DEFAULTS.logLevel,
    ...(trustProxy !== undefined && { trustProxy }),
  }
  return deepFreeze(config)
}

type Setting = (flag: keyof ConfigFlags | undefined, variable: string) => RawValue | undefined

function loadJwt(setting: Setting): ServerConfig['jwt'] {
  const secretRaw = setting(undefined, 'AUDITSEAL_JWT_SECRET')
  const jwksRaw = setting(undefined, 'AUDITSEAL_JWT_JWKS_URL')
  const issuer = setting(undefined, 'AUDITSEAL_JWT_ISSUER')
  const audience = setting(undefined, 'AUDITSEAL_JWT_AUDIENCE')
  const tenantClaim = setting(undefined, 'AUDITSEAL_JWT_TENANT_CLAIM')
  const maxAgeRaw = setting(undefined, 'AUDITSEAL_JWT_MAX_AGE_S')
  if (secretRaw !== undefined && jwksRaw !== undefined) {
    // Accepting both would let anyone holding the development secret mint production tokens.
    throw new ConfigError(
      'AUDITSEAL_JWT_SECRET and AUDITSEAL_JWT_JWKS_URL are both set: use the secret (HS256) in ' +
        'development or the JWKS URL in production, not both',
    )
  }
  if (jwksRaw !== undefined && (issuer === undefined || audience === undefined)) {
    const missing = [
      issuer ? undefined : 'AUDITSEAL_JWT_ISSUER',
      audience ? undefined : 'AUDITSEAL_JWT_AUDIENCE',
    ]
    throw new ConfigError(
      `AUDITSEAL_JWT_JWKS_URL needs ${missing.filter(Boolean).join(' and ')} as well: tokens from ` +
        'an identity provider are only accepted for a known issuer and audience',
    )
  }
  return {
    ...(secretRaw !== undefined && { secret: parseJwtSecret(secretRaw) }),
    ...(jwksRaw !== undefined && { jwksUrl: parseHttpUrl(jwksRaw) }),
    ...(issuer !== undefined && { issuer: parseName(issuer) }),
    ...(audience !== undefined && { audience: parseName(audience) }),
    tenantClaim: tenantClaim === undefined ? DEFAULTS.jwtTenantClaim : parseName(tenantClaim, 128),
    ...(maxAgeRaw !== undefined && { maxAgeSeconds: parsePositiveInteger(maxAgeRaw) }),
  }
}

/** The flag's value if given, else the variable's if set and non-empty. */
function pick(
  flagValue: string | number | undefined,
  flag: string | undefined,
  env: ConfigEnv,
  variable: string,
): RawValue | undefined {
  if (flagValue !== undefined && flag !== undefined) {
    return { text: String(flagValue), from: `--${kebab(flag)}` }
  }
  const fromEnv = env[variable]
  if (fromEnv !== undefined && fromEnv !== '') return { text: fromEnv, from: variable }
  return undefined
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)
}

/**
 * The variables of `env` a command reads, the others left out: `token` and `api-key` load the
 * configuration for the data directory, the JWT settings or the database only, and must not
 * fail for a `serve` setting they never use (one environment file often serves all three).
 */
export function onlyVariables(env: ConfigEnv, names: readonly string[]): ConfigEnv {
  return Object.fromEntries(names.flatMap((name) => (name in env ? [[name, env[name]]] : [])))
}
