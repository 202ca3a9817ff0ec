// Parsers for single configuration values. Each takes the raw text and where it came from
// (`--port`, `AUDITSEAL_PORT`) and either returns the value or throws a ConfigError that
// names both, e.g. `--port: "70000" is not a port number (0 to 65535)`.

import { isIpAddress, isUuid, isValidKeyName, logOrigin, SYSTEM_TENANT_ID } from '@auditseal/core'
import { ConfigError } from './errors.js'

/** A raw setting and the name of its source, for error messages. */
export interface RawValue {
  readonly text: string
  readonly from: string
}

function invalid(raw: RawValue, why: string): never {
  throw new ConfigError(`${raw.from}: ${JSON.stringify(raw.text)} ${why}`)
}

/** A tenant id: a UUID, accepted in any case and returned in lowercase (as the log keeps it). */
export function parseTenantId(raw: RawValue): string {
  const tenant = raw.text.toLowerCase()
  if (!isUuid(tenant)) invalid(raw, 'is not a UUID')
  return tenant
}

/** A TCP port; 0 asks the operating system for a free one (tests, benchmarks). */
export function parsePort(raw: RawValue): number {
  if (!/^(0|[1-9][0-9]{0,4})$/.test(raw.text) || Number(raw.text) > 65_535) {
    invalid(raw, 'is not a port number (0 to 65535)')
  }
  return Number(raw.text)
}

/** A whole number ≥ 1, written in plain decimal digits, at most 2^31 - 1 (a timer's limit). */
export function parsePositiveInteger(raw: RawValue): number {
  if (!/^[1-9][0-9]{0,9}$/.test(raw.text) || Number(raw.text) > 2_147_483_647) {
    invalid(raw, 'is not a positive whole number (1 to 2147483647)')
  }
  return Number(raw.text)
}

/** A file or directory path: non-empty (an empty one would silently mean "here"). */
export function parsePath(raw: RawValue): string {
  if (raw.text.trim() === '') invalid(raw, 'is not a path')
  return raw.text
}

/** A host name or address to listen on: non-empty, no white space. */
export function parseHost(raw: RawValue): string {
  if (!/^[^\s/]+$/.test(raw.text)) invalid(raw, 'is not a host name or address')
  return raw.text
}

/** A PostgreSQL connection URL: postgres:// or postgresql://. */
export function parseDatabaseUrl(raw: RawValue): string {
  let url: URL
  try {
    url = new URL(raw.text)
  } catch {
    invalid(redacted(raw), 'is not a URL (expected postgres://user@host:5432/database)')
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    invalid(redacted(raw), 'is not a PostgreSQL URL (expected postgres://user@host:5432/database)')
  }
  // An "@" after the host: a password (or user) holding a "/", "?" or "#" that is not
  // percent-encoded, which every URL parser, pg's too, reads as host, port and database —
  // and so would print part of the password as the address. Not echoed.
  if (`${url.pathname}${url.search}${url.hash}`.includes('@')) {
    throw new ConfigError(
      `${raw.from}: the URL has an "@" after its host: percent-encode "/", "?" and "#" in ` +
        'the user name and password (e.g. %2F for "/")',
    )
  }
  return raw.text
}

/** An http(s) URL, e.g. a JWKS endpoint. */
export function parseHttpUrl(raw: RawValue): string {
  let url: URL
  try {
    url = new URL(raw.text)
  } catch {
    invalid(raw, 'is not a URL (expected https://...)')
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    invalid(raw, 'is not an http(s) URL')
  }
  return raw.text
}

/** The log name of every origin `<log name>/<tenant_id>`: no spaces, no '+' (§3). */
export function parseLogName(raw: RawValue): string {
  if (!isValidKeyName(raw.text)) {
    invalid(raw, 'is not a valid log name (non-empty, no spaces, no "+")')
  }
  try {
    logOrigin(raw.text, SYSTEM_TENANT_ID)
  } catch (error) {
    invalid(raw, `is not a valid log name (${(error as Error).message})`)
  }
  return raw.text
}

/**
 * An HS256 secret. RFC 7518 §3.2 asks for a key at least as long as the hash (256 bits); a
 * short shared string like "secret" is refused rather than silently accepted.
 */
export function parseJwtSecret(raw: RawValue): string {
  if (raw.text.length < 32) {
    // The secret itself is never echoed.
    throw new ConfigError(
      `${raw.from}: the secret is ${raw.text.length} characters; use at least 32 ` +
        '(e.g. the output of `openssl rand -base64 32`)',
    )
  }
  return raw.text
}

/** A non-empty single-line value of at most `max` characters (issuer, audience, claim). */
export function parseName(raw: RawValue, max = 1024): string {
  if (raw.text.length > max || !/^[^\r\n]+$/.test(raw.text)) {
    invalid(raw, `is not a non-empty single line of at most ${max} characters`)
  }
  return raw.text
}

/**
 * The trusted proxies: a comma-separated list of IP addresses and CIDR ranges
 * (`10.0.0.5, 10.1.0.0/16, 2001:db8::/48`), returned as a list for Fastify's `trustProxy`.
 * Addresses are strict (core's `isIpAddress`: no leading zeros, zone ids or ports); a prefix
 * length is plain decimal, at most 32 (IPv4) or 128 (IPv6). Refused: names (`loopback`,
 * host names), `true`, `all`, `*` and `/0` ranges — trusting every address would let any
 * client choose its own `source.ip` with an X-Forwarded-For header.
 */
export function parseTrustedProxies(raw: RawValue): string[] {
  const entries = raw.text.split(',').map((entry) => entry.trim())
  for (const entry of entries) {
    const [address = '', prefix, ...rest] = entry.split('/')
    const bits = address.includes(':') ? 128 : 32
    const validPrefix =
      prefix === undefined || (/^(0|[1-9][0-9]{0,2})$/.test(prefix) && Number(prefix) <= bits)
    if (/^(true|all|\*)$/i.test(entry) || (prefix === '0' && isIpAddress(address))) {
      invalid(raw, `would trust every address (${JSON.stringify(entry)}): ${EVERY_ADDRESS}`)
    }
    if (!isIpAddress(address) || !validPrefix || rest.length > 0) {
      invalid(
        raw,
        `is not a list of IP addresses or CIDR ranges (${JSON.stringify(entry)} is neither; ` +
          'e.g. 10.0.0.5,10.1.0.0/16)',
      )
    }
  }
  return entries
}

const EVERY_ADDRESS =
  "any client could then choose its own address with X-Forwarded-For; list your proxies' " +
  'addresses instead'

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

export function parseLogLevel(raw: RawValue): string {
  if (!(LOG_LEVELS as readonly string[]).includes(raw.text)) {
    invalid(raw, `is not a log level (one of ${LOG_LEVELS.join(', ')})`)
  }
  return raw.text
}

/**
 * The URL with its password replaced by `***`. The user information runs to the last "@": a
 * password may hold an unencoded "/" or "@" (which is why the URL did not parse).
 */
function redacted(raw: RawValue): RawValue {
  const start = raw.text.indexOf('//')
  const at = raw.text.lastIndexOf('@')
  if (start < 0 || at < start) return raw
  const userInfo = raw.text.slice(start + 2, at)
  const colon = userInfo.indexOf(':')
  if (colon < 0) return raw
  const text = `${raw.text.slice(0, start + 2)}${userInfo.slice(0, colon)}:***${raw.text.slice(at)}`
  return { from: raw.from, text }
}
