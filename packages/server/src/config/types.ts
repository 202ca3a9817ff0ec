// The server's configuration: parsed once at start (flags, then AUDITSEAL_* / DATABASE_URL /
// DATABASE_READ_URL environment variables, then defaults), validated, frozen, and passed down.
// Nothing below reads process.env.

export interface JwtConfig {
  /** HS256 shared secret (development): AUDITSEAL_JWT_SECRET. */
  readonly secret?: string
  /** JWKS URL for production tokens (RS256/ES256/EdDSA): AUDITSEAL_JWT_JWKS_URL. */
  readonly jwksUrl?: string
  /** Required `iss` when set: AUDITSEAL_JWT_ISSUER. */
  readonly issuer?: string
  /** Required `aud` when set: AUDITSEAL_JWT_AUDIENCE. */
  readonly audience?: string
  /** The claim that carries the tenant id (default `tenant_id`): AUDITSEAL_JWT_TENANT_CLAIM. */
  readonly tenantClaim: string
  /**
   * The longest a token may live, in seconds: AUDITSEAL_JWT_MAX_AGE_S. When set, a token must
   * carry `iat`, be no older than this, and not claim a longer life (`exp` − `iat`).
   */
  readonly maxAgeSeconds?: number
}

export interface RateLimitConfig {
  /** Requests per credential (or per IP when unauthenticated) per window. */
  readonly max: number
  readonly windowMs: number
}

export interface ServerConfig {
  readonly host: string
  readonly port: number
  /** The embedded PGlite data directory and the default home of the signing key. */
  readonly dataDir: string
  /** PostgreSQL primary; when absent the embedded PGlite in dataDir is used. */
  readonly databaseUrl?: string
  /** PostgreSQL replica for reads. */
  readonly readDatabaseUrl?: string
  /** The log name in every origin `<log name>/<tenant_id>` (default `auditseal.local`). */
  readonly logName: string
  /** The signing key file (PRIVATE+KEY+... format); created on first start if missing. */
  readonly signingKeyFile: string
  /** How often the checkpointer signs grown trees (default 1000 ms). */
  readonly checkpointIntervalMs: number
  /** Optional outside copy of every checkpoint: `<dir>/<tenant_id>/<size>` and `latest`. */
  readonly checkpointDir?: string
  readonly jwt: JwtConfig
  readonly rateLimit: RateLimitConfig
  /** Largest request body in bytes (default 4 MiB: 1000 events of a few KiB). */
  readonly bodyLimitBytes: number
  /** pino level: fatal, error, warn, info, debug, trace, silent. */
  readonly logLevel: string
  /**
   * Proxies whose X-Forwarded-For is believed: IP addresses and CIDR ranges (Fastify's
   * `trustProxy`). Absent: the header is ignored and the client is the socket's peer.
   */
  readonly trustProxy?: readonly string[]
}
