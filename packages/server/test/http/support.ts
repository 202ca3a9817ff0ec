// An app over one test database, with a tenant and a credential of each kind, for app.inject.

import type { FastifyInstance, FastifyServerOptions, LightMyRequestResponse } from 'fastify'
import type { ServerConfig } from '../../src/config/types.js'
import type { Database } from '../../src/db/database.js'
import type { AuthFailure, AppRole } from '../../src/http/index.js'
import { buildApp, createApiKey, signDevelopmentToken } from '../../src/http/index.js'
import type { AuditLog } from '../../src/store/index.js'
import { testAuditLog } from '../support/audit-log.js'
import { newTenantId } from '../support/events.js'

export const JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256!'

export function testConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  return {
    host: '127.0.0.1',
    port: 0,
    dataDir: '/nonexistent',
    logName: 'test.auditseal.local',
    signingKeyFile: '/nonexistent/signing.key',
    checkpointIntervalMs: 1000,
    jwt: { secret: JWT_SECRET, tenantClaim: 'tenant_id' },
    rateLimit: { max: 100_000, windowMs: 60_000 },
    bodyLimitBytes: 4 * 1024 * 1024,
    logLevel: 'silent',
    ...overrides,
  }
}

export interface TestApp {
  app: FastifyInstance
  log: AuditLog
  db: Database
  tenant: string
  /** Authorization headers of API keys with each scope, and of JWTs with each role. */
  auth: {
    admin: Record<string, string>
    read: Record<string, string>
    ingest: Record<string, string>
    auditorJwt: Record<string, string>
    operatorJwt: Record<string, string>
  }
  failures: AuthFailure[]
  /** Authorization header of a new tenant's admin key (for isolation tests). */
  otherTenant(): Promise<{ tenant: string; auth: Record<string, string> }>
  close(): Promise<void>
}

export async function startTestApp(
  db: Database,
  options: {
    config?: Partial<ServerConfig>
    log?: AuditLog
    logger?: FastifyServerOptions['logger']
  } = {},
): Promise<TestApp> {
  const log = options.log ?? testAuditLog(db)
  const failures: AuthFailure[] = []
  const app = await buildApp({
    config: testConfig(options.config),
    store: { write: db, read: db, close: async () => {} },
    log,
    logger: options.logger ?? false,
    onAuthFailure: (failure) => failures.push(failure),
  })
  const tenant = newTenantId()
  const key = async (tenantId: string, scope: 'admin' | 'read' | 'ingest') =>
    bearer((await createApiKey(db, { tenantId, scopes: [scope], name: `test ${scope}` })).key)
  const jwt = async (roles: AppRole[]) =>
    bearer(await signDevelopmentToken(JWT_SECRET, { sub: 'user-1', tenantId: tenant, roles }))
  return {
    app,
    log,
    db,
    tenant,
    auth: {
      admin: await key(tenant, 'admin'),
      read: await key(tenant, 'read'),
      ingest: await key(tenant, 'ingest'),
      auditorJwt: await jwt(['auditor']),
      operatorJwt: await jwt(['operator']),
    },
    failures,
    async otherTenant() {
      const other = newTenantId()
      return { tenant: other, auth: await key(other, 'admin') }
    },
    close: () => app.close(),
  }
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` }
}

/** The JSON body of a response. */
export function json<T = Record<string, unknown>>(response: LightMyRequestResponse): T {
  return JSON.parse(response.body) as T
}

/** The `error` member of an error response, checked to have the documented shape. */
export function apiError(response: LightMyRequestResponse): {
  code: string
  message: string
  details?: Record<string, unknown>[]
} {
  const body = json<{ error: { code: string; message: string; details?: [] } }>(response)
  if (typeof body.error?.code !== 'string' || typeof body.error.message !== 'string') {
    throw new Error(`not an error body: ${response.body}`)
  }
  return body.error
}

/** Events of the tenant as the superuser sees them: what is really stored. */
export async function storedCount(db: Database, tenantId: string): Promise<number> {
  const [row] = await db.adminQuery<{ count: number | string }>(
    'SELECT count(*) AS count FROM auditseal.audit_events WHERE tenant_id = $1',
    [tenantId],
  )
  return Number(row?.count ?? 0)
}
