// Request validation: the route's TypeBox schemas compiled by TypeBox, strictly.
//
// Fastify's default Ajv setup removes unknown members (removeAdditional) and coerces types,
// and TypeBox's own Value.Convert reads "1.5" as 1 and "" as 0. An audit API must not guess:
// a body is checked exactly as sent, and a query or path parameter declared as an integer is
// converted only when it is written as a canonical decimal integer; anything else fails the
// check and the client hears which parameter was wrong.

import type { FastifySchemaCompiler } from 'fastify'
import type { TSchema } from 'typebox'
import { Compile } from 'typebox/compile'
import type { ErrorDetail } from './errors.js'

const DECIMAL_INTEGER = /^(0|-?[1-9][0-9]{0,19})$/

/** Fastify's names of the request parts, as clients know them. */
const LOCATIONS: Readonly<Record<string, string>> = {
  body: 'body',
  querystring: 'query',
  params: 'path',
  headers: 'header',
}

/**
 * A schema annotation: what a value of a `pattern` or `format` must be, in words. A client
 * told `must match pattern "^(?:[a-z][a-z0-9_]*…"` learns little; `must be an exact type
 * (device.created) or a prefix (device.*)` says what to send.
 */
export const EXPECTED = 'x-expected'

export const strictValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = Compile(schema)
  const integers = httpPart === 'body' ? new Set<string>() : integerProperties(schema)
  return (value: unknown) => {
    const converted = integers.size === 0 ? value : convertIntegers(value, integers)
    if (check.Check(converted)) return { value: converted }
    const errors = [...check.Errors(converted)].map((error) => inWords(schema, error))
    return { error: errors as never }
  }
}

/** A pattern or format error in the words of the failing schema's EXPECTED, if it has one. */
function inWords<E extends SchemaError>(schema: TSchema, error: E): E {
  if (error.keyword !== 'pattern' && error.keyword !== 'format') return error
  const expected = schemaAt(schema, error.schemaPath)?.[EXPECTED]
  return typeof expected === 'string' ? { ...error, message: `must be ${expected}` } : error
}

/** The subschema a `#/properties/type`-style schema path names, or undefined. */
function schemaAt(schema: TSchema, path: string): Record<string, unknown> | undefined {
  let node: unknown = schema
  for (const segment of pointerSegments(path.replace(/^#/, ''))) {
    if (typeof node !== 'object' || node === null) return undefined
    node = (node as Record<string, unknown>)[segment]
  }
  return typeof node === 'object' && node !== null ? (node as Record<string, unknown>) : undefined
}

/** Names of the top-level properties that the schema declares as integers. */
function integerProperties(schema: TSchema): Set<string> {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> }).properties
  const names = new Set<string>()
  for (const [name, property] of Object.entries(properties ?? {})) {
    if (property.type === 'integer') names.add(name)
  }
  return names
}

function convertIntegers(value: unknown, integers: ReadonlySet<string>): unknown {
  if (typeof value !== 'object' || value === null) return value
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) }
  for (const name of integers) {
    const text = out[name]
    if (typeof text === 'string' && DECIMAL_INTEGER.test(text)) out[name] = Number(text)
  }
  return out
}

/** One Ajv-shaped error, as TypeBox reports them. */
interface SchemaError {
  keyword: string
  schemaPath: string
  instancePath: string
  params: Record<string, unknown>
  message: string
}

/**
 * The details of a failed validation: one `{location, path, message}` per wrong field, the
 * path written `events[3].actor` rather than as a JSON pointer. Echoes of one mistake that
 * TypeBox reports twice (the `false` schema of additionalProperties, each branch of an anyOf)
 * are dropped.
 */
export function validationDetails(errors: readonly SchemaError[], context: string): ErrorDetail[] {
  const location = LOCATIONS[context] ?? context
  const details: ErrorDetail[] = []
  const seen = new Set<string>()
  const add = (segments: readonly string[], message: string) => {
    const path = fieldPath(segments)
    if (seen.has(path)) return
    seen.add(path)
    details.push({ location, path, message })
  }
  for (const error of errors) {
    const segments = pointerSegments(error.instancePath)
    if (error.keyword === 'boolean' && error.schemaPath.endsWith('/additionalProperties')) continue
    if (error.keyword === 'const' && error.schemaPath.includes('/anyOf/')) continue
    if (error.keyword === 'additionalProperties') {
      for (const name of stringList(error.params.additionalProperties)) {
        add([...segments, name], 'is not a known member here')
      }
    } else if (error.keyword === 'required') {
      for (const name of stringList(error.params.requiredProperties)) {
        add([...segments, name], 'is required')
      }
    } else if (error.keyword === 'enum') {
      add(segments, `must be one of ${stringList(error.params.allowedValues).join(', ')}`)
    } else {
      add(segments, error.message)
    }
  }
  return details
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : []
}

/** RFC 6901 pointer → segments (`/events/3/a~1b` → ['events', '3', 'a/b']). */
function pointerSegments(pointer: string): string[] {
  if (pointer === '') return []
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
}

function fieldPath(segments: readonly string[]): string {
  let path = ''
  for (const segment of segments) {
    if (/^(0|[1-9][0-9]*)$/.test(segment)) path += `[${segment}]`
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(segment)) path += path === '' ? segment : `.${segment}`
    else path += `[${JSON.stringify(segment)}]`
  }
  return path
}
