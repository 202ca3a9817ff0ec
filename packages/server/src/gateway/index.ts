// The device gateway, the audit log's first client: a Fastify plugin with the /devices routes,
// and the auth-failure auditor that records every 401/403 of the server.

import type { FastifyInstance } from 'fastify'
import type { AuditSink } from '../audit-queue/sink.js'
import type { Database } from '../db/database.js'
import { DeviceStore } from './device-store.js'
import { deviceRoutes } from './routes.js'

export { AuthFailureAuditor } from './auth-audit.js'
export type { AuthAuditOptions, AuthAuditStats } from './auth-audit.js'
export { changesBetween } from './device-events.js'
export { DeviceStore, DuplicateSerialNumberError } from './device-store.js'
export type { Device, DevicePatch, NewDevice } from './device-store.js'

export interface GatewayOptions {
  /** The write database: devices are read and written on the primary. */
  db: Database
  sink: AuditSink
}

/** Registers the /devices routes on `app` (before it is ready). */
export async function registerGateway(
  app: FastifyInstance,
  options: GatewayOptions,
): Promise<void> {
  await app.register(deviceRoutes, { devices: new DeviceStore(options.db), sink: options.sink })
}
