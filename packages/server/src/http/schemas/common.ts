// TypeBox schemas shared by several routes. Fastify compiles validators and response
// serializers from them, and @fastify/swagger turns them into the OpenAPI document.

import type { TUnsafe } from 'typebox'
import { Type } from 'typebox'
import { EXPECTED } from '../validation.js'

/** A string enum with `type: string`, so that serializers and OpenAPI both know the type. */
export function stringEnum<const T extends readonly string[]>(
  values: T,
  options: { description?: string; default?: T[number] } = {},
): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options })
}

/** Strings a client sends in a query: PostgreSQL text cannot hold U+0000. */
export function queryText(description: string, maxLength = 1024) {
  return Type.String({
    minLength: 1,
    maxLength,
    pattern: '^[^\\u0000]*$',
    description,
    [EXPECTED]: 'text without U+0000',
  })
}

export const Base64Hash = Type.String({
  description: 'a SHA-256 hash, standard base64 with padding',
  pattern: '^[A-Za-z0-9+/]{43}=$',
  [EXPECTED]: 'a SHA-256 hash in standard base64 with padding (44 characters)',
})

/** Sizes and indexes up to 2^53 - 1, as JSON numbers (architecture §3). */
export function treeInteger(description: string, minimum = 0) {
  return Type.Integer({ minimum, maximum: Number.MAX_SAFE_INTEGER, description })
}

export const Uuid = Type.String({
  pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
  description: 'a UUID in lowercase',
  [EXPECTED]: 'a UUID in lowercase, e.g. 0190b6a4-7e5c-7000-8000-000000000001',
})

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'stable, for programs: see the error codes table' }),
      message: Type.String({ description: 'for people; may change' }),
      details: Type.Optional(
        Type.Array(
          Type.Object(
            {},
            {
              additionalProperties: true,
              description:
                '{index, path, message} per event issue, or {location, path, message} per field',
            },
          ),
        ),
      ),
    }),
  },
  { description: 'an error' },
)

/** The error responses every authenticated route can give. */
export const errorResponses = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
  429: ErrorResponse,
  500: ErrorResponse,
  503: ErrorResponse,
} as const

/** The error responses of a route that takes a JSON body: too large, or not JSON in UTF-8. */
export const bodyErrorResponses = {
  413: ErrorResponse,
  415: ErrorResponse,
} as const

/**
 * A success response of text that is not JSON, under each of its media types. A route's
 * `produces` would give those types to every response, its errors too, which are JSON.
 */
export function mediaResponse(description: string, mediaTypes: readonly string[]) {
  const schema = Type.String()
  return {
    description,
    content: Object.fromEntries(mediaTypes.map((mediaType) => [mediaType, { schema }])),
  }
}

/** OpenAPI: the route takes `Authorization: Bearer <API key or JWT>`. */
export const bearerSecurity = [{ bearer: [] }]
