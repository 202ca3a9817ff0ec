// The event envelope v1 (architecture §2) as JSON Schema, for the OpenAPI document and the
// response serializers. The core's validateEvent stays the one authority on what is valid:
// POST /v1/events checks each event with it, not with this schema.

import { ACTOR_TYPES, OUTCOMES } from '@auditseal/core'
import { Type } from 'typebox'
import { Base64Hash, stringEnum, treeInteger, Uuid } from './common.js'

const Timestamp = Type.String({
  description: 'UTC, YYYY-MM-DDTHH:mm:ss.sssZ',
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$',
})

const Reference = Type.Object(
  { type: Type.String(), id: Type.String(), name: Type.Optional(Type.String()) },
  { additionalProperties: false },
)

const members = {
  v: Type.Literal(1, { description: 'envelope version' }),
  id: Type.String({ description: 'UUIDv7, lowercase; the idempotency key' }),
  tenant_id: Uuid,
  type: Type.String({
    maxLength: 128,
    pattern: '^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*){1,7}$',
    description: 'e.g. device.created',
  }),
  outcome: stringEnum(OUTCOMES),
  occurred_at: Timestamp,
  actor: Type.Object(
    { type: stringEnum(ACTOR_TYPES), id: Type.String(), name: Type.Optional(Type.String()) },
    { additionalProperties: false },
  ),
  target: Type.Optional(Reference),
  source: Type.Optional(
    Type.Object(
      { ip: Type.Optional(Type.String()), user_agent: Type.Optional(Type.String()) },
      { additionalProperties: false },
    ),
  ),
  request_id: Type.Optional(Type.String()),
  error: Type.Optional(
    Type.Object(
      { code: Type.Optional(Type.String()), message: Type.String() },
      { additionalProperties: false, description: 'only when outcome is failure' },
    ),
  ),
  data: Type.Optional(
    Type.Object({}, { additionalProperties: true, description: 'free JSON, ≤ 32 KiB canonical' }),
  ),
}

/** An event as POST /v1/events takes it: tenant_id and id may be omitted, recorded_at must be. */
export const EventInput = Type.Object(
  {
    ...members,
    id: Type.Optional(Type.String({ description: 'UUIDv7; generated when omitted' })),
    tenant_id: Type.Optional(
      Type.String({ description: "the credential's tenant; filled in when omitted" }),
    ),
  },
  { additionalProperties: false, description: 'an event, envelope v1, without recorded_at' },
)

/** An event as the API returns it: E's members plus seq and leaf_hash. */
export const StoredEvent = Type.Object(
  {
    ...members,
    recorded_at: Timestamp,
    seq: treeInteger('the leaf index of the event in its tenant log'),
    leaf_hash: Base64Hash,
  },
  { additionalProperties: false, description: 'an event of the log, with its seq and leaf hash' },
)
