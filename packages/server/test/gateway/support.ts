// The device gateway on one test database, as `auditseal serve` composes it (buildApp, the
// gateway, the auth-failure auditor, the durable sink sealing into the log), for app.inject.

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AuditEvent } from '@auditseal/core'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { DurableSink } from '../../src/audit-queue/index.js'
import type { AuditSink, SealFunction } from '../../src/audit-queue/index.js'
import type { ServerConfig } from '../../src/config/types.js'
import type { Database } from '../../src/db/database.js'
import type { AuthAuditOptions } from '../../src/gateway/index.js'
import { AuthFailureAuditor, registerGateway } from '../../src/gateway/index.js'
import type { AppRole } from '../../src/http/index.js'
import { buildApp, createApiKey, signDevelopmentToken } from '../../src/http/index.js'
import type { AuditLog } from '../../src/store/index.js'
import { testAuditLog } from '../support/audit-log.js'
import { JWT_SECRET, testConfig } from '../http/support.js'

export { JWT_SECRET }
export const USER_AGENT = 'gateway-test/1.0'

/** The HTTP tests' configuration, with the gateway's smaller body limit. */
export function gatewayConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  return testConfig({ bodyLimitBytes: 64 * 1024, ...overrides })
}

export interface Gateway {
  app: FastifyInstance
  log: AuditLog
  sink: AuditSink
  auditor: AuthFailureAuditor
  close(): Promise<void>
}

export interface GatewayOptions {
  /** Wraps the real sealer, e.g. to slow it down. */
  seal?: (real: SealFunction) => SealFunction
  authAudit?: AuthAuditOptions
  config?: Partial<ServerConfig>
}

export async function startGateway(db: Database, options: GatewayOptions = {}): Promise<Gateway> {
  const log = testAuditLog(db)
  const real: SealFunction = (tenantId, events) => log.sealer.seal(tenantId, events)
  const spoolDir = await mkdtemp(join(tmpdir(), 'auditseal-gateway-spool-'))
  // Batches go after 1 ms, so that tests see their events sealed without waiting.
  const sink = new DurableSink({
    seal: options.seal?.(real) ?? real,
    spoolDir,
    lingerMs: 1,
    logger: { warn: () => {}, error: () => {} },
  })
  const auditor = new AuthFailureAuditor(sink, options.authAudit)
  const app = await buildApp({
    config: gatewayConfig(options.config),
    store: { write: db, read: db, close: async () => {} },
    log,
    logger: false,
    onAuthFailure: auditor.record,
  })
  await registerGateway(app, { db, sink })
  await app.ready()
  return {
    app,
    log,
    sink,
    auditor,
    async close() {
      await app.close()
      auditor.close()
      await sink.close()
      await rm(spoolDir, { recursive: true, force: true })
    },
  }
}

export async function userToken(
  tenantId: string,
  roles: AppRole[] = ['operator'],
  sub = 'alice',
): Promise<Record<string, string>> {
  const token = await signDevelopmentToken(JWT_SECRET, { sub, tenantId, roles })
  return { authorization: `Bearer ${token}`, 'user-agent': USER_AGENT }
}

export async function apiKeyHeaders(
  db: Database,
  tenantId: string,
  scope: 'admin' | 'read' | 'ingest',
): Promise<Record<string, string>> {
  const { key } = await createApiKey(db, { tenantId, scopes: [scope] })
  return { authorization: `Bearer ${key}`, 'user-agent': USER_AGENT }
}

export function json<T = Record<string, unknown>>(response: LightMyRequestResponse): T {
  return JSON.parse(response.body) as T
}

/** Every sealed event of the tenant, oldest first, as the API returns them. */
export async function eventsOf(gateway: Gateway, tenantId: string): Promise<AuditEvent[]> {
  await gateway.sink.flush()
  const events: AuditEvent[] = []
  for await (const stored of gateway.log.reader.exportEvents(tenantId, {})) {
    events.push(JSON.parse(stored.canonical) as AuditEvent)
  }
  return events
}
