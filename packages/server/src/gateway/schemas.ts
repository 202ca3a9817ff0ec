// The gateway's request and response schemas (TypeBox → JSON Schema). Fastify compiles them
// when the routes are registered: requests are validated and responses serialized without
// per-request reflection, and /openapi.json documents the gateway from the same source.

import { Type } from 'typebox'
import type { Static } from 'typebox'
import { Uuid } from '../http/schemas/common.js'
import { EXPECTED } from '../http/validation.js'

// Printable text: no control characters (they break logs and terminals, and PostgreSQL
// refuses NUL), no lone UTF-16 surrogates (UTF-8 cannot hold them: the driver would store
// U+FFFD, text the client never sent), and not only white space. Patterns are compiled with
// the `u` flag, so a surrogate pair is one code point outside the surrogate range.
const NOT_TEXT = '\\u0000-\\u001f\\u007f\\ud800-\\udfff'
const TEXT_PATTERN = `^[^${NOT_TEXT}]*[^\\s${NOT_TEXT}][^${NOT_TEXT}]*$`

const PRINTABLE = {
  pattern: TEXT_PATTERN,
  [EXPECTED]: 'printable text (no control characters), not only white space',
}

const SerialNumber = Type.String({
  minLength: 1,
  maxLength: 128,
  ...PRINTABLE,
  description: "The device's serial number; unique within the tenant.",
})
const Name = Type.String({ minLength: 1, maxLength: 200, ...PRINTABLE })
const Model = Type.String({ minLength: 1, maxLength: 200, ...PRINTABLE })

export const DeviceSchema = Type.Object(
  {
    id: Uuid,
    serial_number: Type.String(),
    name: Type.Union([Type.String(), Type.Null()]),
    model: Type.Union([Type.String(), Type.Null()]),
    created_at: Type.String({ description: 'RFC 3339 UTC' }),
    updated_at: Type.String({ description: 'RFC 3339 UTC' }),
  },
  { additionalProperties: false },
)

export const CreateDeviceBody = Type.Object(
  {
    serial_number: SerialNumber,
    name: Type.Optional(Name),
    model: Type.Optional(Model),
  },
  { additionalProperties: false },
)
export type CreateDeviceBody = Static<typeof CreateDeviceBody>

export const UpdateDeviceBody = Type.Object(
  {
    serial_number: Type.Optional(SerialNumber),
    name: Type.Optional(Type.Union([Name, Type.Null()], { description: 'null clears it' })),
    model: Type.Optional(Type.Union([Model, Type.Null()], { description: 'null clears it' })),
  },
  { additionalProperties: false, minProperties: 1 },
)
export type UpdateDeviceBody = Static<typeof UpdateDeviceBody>

export const DeviceParams = Type.Object({ id: Uuid })
export type DeviceParams = Static<typeof DeviceParams>

export const ListDevicesQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    cursor: Type.Optional(
      Type.Unsafe<string>({ ...Uuid, description: 'next_cursor of the previous page' }),
    ),
  },
  { additionalProperties: false },
)
export type ListDevicesQuery = Static<typeof ListDevicesQuery>

export const DeviceList = Type.Object(
  {
    devices: Type.Array(DeviceSchema),
    next_cursor: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
)
