// Audit events, envelope v1: types, validation, canonical form and leaf hash, UUIDv7 ids.
export * from './types.js'
export { validateEvent, validateEventJson, assertValidEvent } from './validate.js'
export type {
  ValidateEventOptions,
  EventValidationResult,
  EventJsonValidationResult,
} from './validate.js'
export { InvalidEventError } from './invalid-event-error.js'
export { canonicalJson, canonicalBytes, eventLeafHash } from './canonical.js'
export { uuidv7, createUuidV7Generator, isUuid, isUuidV7, uuidv7Timestamp } from './uuidv7.js'
export type { UuidV7Generator, UuidV7Options } from './uuidv7.js'
export { isCalendarTime, isEventTimestamp, formatEventTimestamp } from './timestamp.js'
export { isIpAddress, isIpv4, isIpv6 } from './ip.js'
