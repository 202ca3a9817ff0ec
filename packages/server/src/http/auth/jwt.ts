// JWT bearer tokens (architecture §5): HS256 with a shared secret in development, or keys from
// a JWKS URL in production. When a JWKS URL is configured it is the only way in: a leaked
// development secret must not mint production tokens, and pinning the algorithm family per
// mode rules out algorithm confusion (an RS256 public key used as an HS256 secret).
//
// Claims: `sub`, the tenant claim (config.jwt.tenantClaim, default `tenant_id`, a lowercase
// UUID), `roles` (an array; unknown roles are ignored), and `exp`, which is required. With a
// maximum age (config.jwt.maxAgeSeconds), `iat` is required too and a token issued to live
// longer (exp − iat) is refused outright, so every token accepted stops working at most that
// long after it was issued (a leaked one too); jose's maxTokenAge refuses an older one.

import type { JWTPayload, JWTVerifyResult } from 'jose'
import { createRemoteJWKSet, errors, jwtVerify, SignJWT } from 'jose'
import type { JwtConfig } from '../../config/types.js'
import type { AppRole, Principal } from './types.js'
import {
  APP_ROLES,
  isAppRole,
  LOWERCASE_UUID,
  rolesInTenant,
  SYSTEM_TENANT_ROLES,
} from './types.js'

const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]
/** Allowed clock skew between the token issuer and this server. */
const CLOCK_TOLERANCE_S = 5
const MAX_SUBJECT = 1024
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** A token that does not authenticate anyone; `message` is safe to show the client. */
export class TokenRejected extends Error {
  override name = 'TokenRejected'
  constructor(
    message: string,
    /** More detail for logs and the auth-failure hook. */
    readonly reason: string = message,
  ) {
    super(message)
  }
}

/** The keys could not be fetched: the server's problem, not the token's. */
export class TokenKeysUnavailable extends Error {
  override name = 'TokenKeysUnavailable'
}

export type JwtVerifier = (token: string) => Promise<Principal>

/**
 * createJwtVerifier returns the verifier the configuration asks for, or undefined when
 * neither a JWKS URL nor a secret is configured (then every JWT is refused).
 */
export function createJwtVerifier(config: JwtConfig): JwtVerifier | undefined {
  const maxAge = config.maxAgeSeconds
  const common = {
    issuer: config.issuer,
    audience: config.audience,
    requiredClaims: maxAge === undefined ? ['exp', 'sub'] : ['exp', 'iat', 'sub'],
    clockTolerance: CLOCK_TOLERANCE_S,
    ...(maxAge !== undefined && { maxTokenAge: maxAge }),
  }
  let verify: (token: string) => Promise<JWTVerifyResult>
  if (config.jwksUrl !== undefined) {
    // Cached; refetched (at most every 30 s) when a token names an unknown key id.
    const keys = createRemoteJWKSet(new URL(config.jwksUrl), { timeoutDuration: 5000 })
    verify = (token) => jwtVerify(token, keys, { ...common, algorithms: ASYMMETRIC_ALGORITHMS })
  } else if (config.secret !== undefined) {
    const secret = new TextEncoder().encode(config.secret)
    verify = (token) => jwtVerify(token, secret, { ...common, algorithms: ['HS256'] })
  } else {
    return undefined
  }
  return async (token) => {
    let payload: JWTPayload
    try {
      payload = (await verify(token)).payload
    } catch (error) {
      throw classify(error, config.jwksUrl !== undefined, maxAge)
    }
    if (maxAge !== undefined && (payload.exp as number) - (payload.iat as number) > maxAge) {
      throw new TokenRejected(
        `the token is issued to live longer than the ${maxAge} s this server allows (exp − iat)`,
      )
    }
    return principalOf(payload, config.tenantClaim)
  }
}

const CLAIM_PROBLEMS: Readonly<Record<string, string>> = {
  missing: 'is missing',
  mismatch: 'is not the expected value',
  invalid: 'is invalid',
  check_failed: 'failed its check',
}

/** The error to answer with; `remote`: keys come from a JWKS, whose fetch can fail. */
function classify(error: unknown, remote: boolean, maxAge: number | undefined): Error {
  if (error instanceof errors.JWTExpired) {
    // jose reports a token older than maxTokenAge as expired, naming the iat claim.
    return error.claim === 'iat'
      ? new TokenRejected(`the token is older than the ${maxAge} s this server allows`)
      : new TokenRejected('the token has expired')
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    const problem = CLAIM_PROBLEMS[error.reason] ?? 'is not acceptable'
    return new TokenRejected(`the token's ${error.claim} claim ${problem}`, error.message)
  }
  const fetchFailed =
    error instanceof errors.JWKSTimeout ||
    error instanceof errors.JWKSInvalid ||
    !(error instanceof errors.JOSEError) // fetch's own errors: refused, DNS, TLS...
  if (remote && fetchFailed) {
    const why = error instanceof Error ? error.message : String(error)
    return new TokenKeysUnavailable(`cannot fetch the token verification keys: ${why}`)
  }
  const detail =
    error instanceof errors.JOSEError ? `${error.code}: ${error.message}` : String(error)
  return new TokenRejected('the token is not valid', detail)
}

function principalOf(payload: JWTPayload, tenantClaim: string): Principal {
  const subject = payload.sub
  if (
    typeof subject !== 'string' ||
    subject.length === 0 ||
    subject.length > MAX_SUBJECT ||
    LONE_SURROGATE.test(subject)
  ) {
    throw new TokenRejected(
      `the token's sub claim must be a string of 1 to ${MAX_SUBJECT} characters`,
    )
  }
  const tenantId = payload[tenantClaim]
  if (typeof tenantId !== 'string' || !LOWERCASE_UUID.test(tenantId)) {
    throw new TokenRejected(`the token's ${tenantClaim} claim must be a lowercase UUID`)
  }
  // Absent means none; null is not an array, and refused like any other non-array.
  const roles = payload.roles === undefined ? [] : payload.roles
  if (!Array.isArray(roles)) {
    throw new TokenRejected("the token's roles claim must be an array")
  }
  const known = new Set(roles.filter(isAppRole))
  return {
    kind: 'jwt',
    subject,
    tenantId,
    roles: rolesInTenant(
      tenantId,
      APP_ROLES.filter((role) => known.has(role)),
    ),
    credentialId: `jwt:${tenantId}:${subject}`,
  }
}

export interface DevelopmentTokenClaims {
  sub: string
  tenantId: string
  roles: AppRole[]
  /** Seconds, or a jose duration such as `1h` or `30 days` (default `1h`). */
  expiresIn?: number | string
}

export interface DevelopmentTokenOptions {
  /** The claim carrying the tenant (default `tenant_id`); match config.jwt.tenantClaim. */
  tenantClaim?: string
  issuer?: string
  audience?: string
}

/**
 * signDevelopmentToken makes an HS256 JWT that the server accepts when configured with the
 * same secret (`auditseal token`). Throws TypeError for a bad tenant, subject or role.
 */
export async function signDevelopmentToken(
  secret: string,
  claims: DevelopmentTokenClaims,
  options: DevelopmentTokenOptions = {},
): Promise<string> {
  if (!LOWERCASE_UUID.test(claims.tenantId)) {
    throw new TypeError(`tenant must be a lowercase UUID, got ${JSON.stringify(claims.tenantId)}`)
  }
  if (claims.sub.length === 0 || claims.sub.length > MAX_SUBJECT) {
    throw new TypeError(`sub must have 1 to ${MAX_SUBJECT} characters`)
  }
  for (const role of claims.roles) {
    if (!isAppRole(role)) {
      throw new TypeError(`unknown role ${JSON.stringify(role)}: use ${APP_ROLES.join(', ')}`)
    }
  }
  if (rolesInTenant(claims.tenantId, claims.roles).length !== claims.roles.length) {
    throw new TypeError(
      `the system tenant's log is written by the server only: a token for it may have the role ${SYSTEM_TENANT_ROLES.join(', ')} only`,
    )
  }
  let jwt = new SignJWT({
    [options.tenantClaim ?? 'tenant_id']: claims.tenantId,
    roles: claims.roles,
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
  // One reading of the clock for both: a second ticking between two readings would make a
  // token issued for exactly a server's maximum age one second too long for it.
  const now = Math.floor(Date.now() / 1000)
  const expiresIn = claims.expiresIn ?? '1h'
  jwt = jwt
    .setIssuedAt(now)
    .setExpirationTime(typeof expiresIn === 'number' ? now + expiresIn : expiresIn)
  if (options.issuer !== undefined) jwt = jwt.setIssuer(options.issuer)
  if (options.audience !== undefined) jwt = jwt.setAudience(options.audience)
  return jwt.sign(new TextEncoder().encode(secret))
}
