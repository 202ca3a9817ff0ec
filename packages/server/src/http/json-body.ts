// The one request body parser: application/json in UTF-8.
//
// Fastify's default reads the body as a string, which turns invalid UTF-8 into U+FFFD: an
// audit log would then store (and hash) text the client never sent. Here the bytes are
// decoded strictly and the client hears why its body was refused.
//
// `__proto__` and `constructor` members are accepted as data: JSON.parse makes them own data
// properties, nothing in the server merges objects, and the core's validator (which the SDK
// runs too) accepts them in `data`, so an event the SDK accepted is never refused here.

import type { FastifyInstance, FastifyRequest } from 'fastify'
import { ApiError } from './errors.js'
import { inexactNumber } from './json-numbers.js'

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })

// `utf8` is not a registered charset name, but clients send it, and WHATWG Encoding (which
// browsers and TextDecoder follow) takes it as a label of UTF-8.
const UTF8_CHARSET = /^utf-?8$/i

export function registerJsonBodyParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer' },
    (
      request: FastifyRequest,
      body: Buffer,
      done: (error: Error | null, value?: unknown) => void,
    ) => {
      // Some clients label every request JSON, a DELETE with nothing in it too. Where the
      // route takes no body, nothing sent is no body, not a malformed one; where it takes one,
      // an empty body stays invalid_json.
      if (request.routeOptions.schema?.body === undefined) {
        // A body sent to a route that reads none would be ignored silently: refused instead,
        // like an unknown member anywhere else.
        if (body.length === 0) done(null, undefined)
        else
          done(
            new ApiError(
              'invalid_request',
              `${request.method} ${request.routeOptions.url ?? ''} takes no request body`,
            ),
          )
        return
      }
      try {
        done(null, parseJsonBody(request.headers['content-type'], body))
      } catch (error) {
        done(error as Error)
      }
    },
  )
}

export function parseJsonBody(contentType: string | undefined, body: Uint8Array): unknown {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '')?.[1]
  if (charset !== undefined && !UTF8_CHARSET.test(charset)) {
    throw new ApiError(
      'unsupported_media_type',
      `charset ${JSON.stringify(charset)} is not supported: send UTF-8`,
    )
  }
  if (body.length === 0) throw new ApiError('invalid_json', 'the request body is empty')
  let text: string
  try {
    text = utf8.decode(body)
  } catch {
    throw new ApiError('invalid_json', 'the request body is not valid UTF-8')
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    // V8's message says where ("Unexpected token ... at position 12"), quoting only the
    // client's own input.
    const why = error instanceof SyntaxError ? `: ${error.message}` : ''
    throw new ApiError('invalid_json', `the request body is not valid JSON${why}`)
  }
  const inexact = inexactNumber(text)
  if (inexact !== undefined) {
    const shown = inexact.length > 40 ? `${inexact.slice(0, 40)}…` : inexact
    throw new ApiError(
      'invalid_request',
      `the body holds the number ${shown}, which a JSON number (an IEEE 754 double) cannot ` +
        'carry exactly: it would be stored as another value. Send it as a string',
    )
  }
  return value
}
