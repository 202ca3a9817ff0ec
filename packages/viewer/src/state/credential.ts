import { nobleCrypto, toHex, utf8 } from '@auditseal/core'

// What a pasted token is, and what it says about itself. Nothing here is trusted for
// security: the server decides; this only tells the person what they signed in with.

export interface JwtClaims {
  sub?: string
  tenant_id?: string
  roles?: string[]
  /** Expiry, seconds since the epoch. */
  exp?: number
  iss?: string
}

export type Credential =
  { kind: 'jwt'; token: string; claims: JwtClaims } | { kind: 'api_key'; token: string }

export class CredentialError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CredentialError'
  }
}

const API_KEY_PREFIX = 'ask_'

/** Reads a pasted API key (`ask_...`) or JWT; throws CredentialError for anything else. */
export function parseCredential(input: string): Credential {
  const token = input.trim().replace(/^Bearer\s+/i, '')
  if (token === '') throw new CredentialError('Paste an API key or a JWT.')
  if (/\s/.test(token)) throw new CredentialError('A token has no spaces or line breaks.')
  if (token.startsWith(API_KEY_PREFIX)) return { kind: 'api_key', token }
  const parts = token.split('.')
  if (parts.length === 3) {
    const claims = decodeClaims(parts[1] as string)
    if (claims !== undefined) return { kind: 'jwt', token, claims }
  }
  throw new CredentialError(
    'This is neither an API key (ask_…) nor a JWT (three dot-separated parts).',
  )
}

/** The JWT payload's claims the viewer shows, or undefined if it is not a JSON object. */
function decodeClaims(payload: string): JwtClaims | undefined {
  let value: unknown
  try {
    value = JSON.parse(base64UrlToText(payload))
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  const raw = value as Record<string, unknown>
  const claims: JwtClaims = {}
  if (typeof raw.sub === 'string') claims.sub = raw.sub
  if (typeof raw.tenant_id === 'string') claims.tenant_id = raw.tenant_id
  if (typeof raw.iss === 'string') claims.iss = raw.iss
  if (typeof raw.exp === 'number') claims.exp = raw.exp
  if (Array.isArray(raw.roles)) claims.roles = raw.roles.filter((r) => typeof r === 'string')
  else if (typeof raw.roles === 'string') claims.roles = raw.roles.split(/[\s,]+/).filter(Boolean)
  return claims
}

function base64UrlToText(segment: string): string {
  const base64 = segment.replace(/-/g, '+').replace(/_/g, '/')
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4)
  const binary = atob(padded)
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0))
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
}

/** True when a JWT's `exp` is in the past. */
export function isExpired(credential: Credential, now = Date.now()): boolean {
  return credential.kind === 'jwt' && credential.claims.exp !== undefined
    ? credential.claims.exp * 1000 <= now
    : false
}

/**
 * What identifies an API key across sign-ins without its secret: a hash of `ask_<id>`. An API
 * key is bound to one tenant, so the tenant it was used with is remembered under this (a JWT
 * names its tenant itself). Undefined for a JWT.
 */
export function credentialIdentity(credential: Credential): string | undefined {
  if (credential.kind !== 'api_key') return undefined
  const id = /^ask_([0-9a-f]{24})_/.exec(credential.token)?.[1]
  if (id === undefined) return undefined
  return toHex(nobleCrypto.sha256(utf8(`ask_${id}`)))
}
