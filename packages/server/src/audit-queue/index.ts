export { AuditQueue, AuditQueueError } from './queue.js'
export type { AuditQueueErrorContext, AuditQueueOptions, SealFunction } from './queue.js'
export { noopSink } from './sink.js'
export type { AuditSink, AuditSinkStats } from './sink.js'
