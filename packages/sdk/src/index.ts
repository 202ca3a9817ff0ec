// The public surface of @auditseal/sdk: log() that returns in microseconds and never loses an
// event. See docs/sdk.md. The Fastify plugin is `@auditseal/sdk/fastify`, so that this entry
// point does not need Fastify's types.
export { AuditLogger, createAuditLogger } from './logger.js'
export type { AuditLoggerEvents, AuditLoggerStats, DeadLetterInfo } from './logger.js'
export type { AuditLoggerOptions, OverflowPolicy } from './options.js'
export type { AuditEventInput } from './event.js'
export type { SealReceipt } from './waiters.js'
export { AuditOverflowError, AuditSdkError, SpoolLockedError } from './errors.js'
export type { AuditSdkErrorCode, OverflowReason } from './errors.js'
export type { LogSink } from './report.js'
export type { Durability } from './spool/writer.js'
export type { CorruptRegion } from './spool/cursor.js'
export type { LatencySummary } from './metrics/latency.js'
export { registerAuditMetrics } from './metrics/prometheus.js'
export type { AuditMetricsOptions, PromClientLike } from './metrics/prometheus.js'
export { createHttpTransport } from './transport/http.js'
export type { HttpTransportOptions } from './transport/http.js'
export { createInProcessTransport } from './transport/in-process.js'
export type {
  InProcessTransportOptions,
  SealedEventLike,
  SealFunction,
} from './transport/in-process.js'
export type {
  Acknowledgement,
  EventRefusal,
  OutboundEvent,
  SendResult,
  Transport,
} from './transport/types.js'
// The core's error for invalid events, re-exported so callers need not depend on the core.
export { InvalidEventError } from '@auditseal/core'
