// GET /v1/events: one page of the caller's events, filtered, newest first by default.

import { Type } from 'typebox'
import { eventJson } from '../../../../store/event-rows.js'
import { requireRoles } from '../../../auth/plugin.js'
import type { ApiApp, ApiContext } from '../../../context.js'
import { principalOf, sendPrebuilt } from '../../../context.js'
import { bearerSecurity, errorResponses, stringEnum } from '../../../schemas/common.js'
import { StoredEvent } from '../../../schemas/event.js'
import { eventFilterOf, eventFilterQuery } from '../../../schemas/event-filter.js'

const DEFAULT_LIMIT = 50

const Query = Type.Object(
  {
    ...eventFilterQuery,
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 500, default: DEFAULT_LIMIT, description: 'page size' }),
    ),
    cursor: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        description: 'next_cursor of the previous page',
      }),
    ),
    order: Type.Optional(stringEnum(['asc', 'desc'], { default: 'desc', description: 'by seq' })),
  },
  { additionalProperties: false },
)

const Page = Type.Object({
  events: Type.Array(StoredEvent),
  next_cursor: Type.Union([Type.String(), Type.Null()], {
    description:
      'pass as cursor (with the same filters and order) for the next page; null at the end',
  }),
})

export function registerListEvents(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/events',
    {
      config: requireRoles('auditor', 'admin'),
      schema: {
        summary: 'List events',
        tags: ['events'],
        security: bearerSecurity,
        querystring: Query,
        response: { 200: Page, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { tenantId } = principalOf(request)
      const { limit, cursor, order, ...filters } = request.query
      const page = await ctx.log.reader.listEvents(tenantId, eventFilterOf(filters), {
        limit: limit ?? DEFAULT_LIMIT,
        cursor,
        order: order ?? 'desc',
      })
      // Each event is spliced from the exact canonical text that was hashed, not re-serialized.
      const events = page.events.map(eventJson).join(',')
      return sendPrebuilt(
        reply.type('application/json; charset=utf-8'),
        `{"events":[${events}],"next_cursor":${JSON.stringify(page.nextCursor)}}`,
      )
    },
  )
}
