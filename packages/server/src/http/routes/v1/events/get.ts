// GET /v1/events/{id}: one event of the caller's log.

import { Type } from 'typebox'
import { eventJson } from '../../../../store/event-rows.js'
import { requireRoles } from '../../../auth/plugin.js'
import type { ApiApp, ApiContext } from '../../../context.js'
import { principalOf, sendPrebuilt } from '../../../context.js'
import { ApiError } from '../../../errors.js'
import { bearerSecurity, errorResponses, Uuid } from '../../../schemas/common.js'
import { StoredEvent } from '../../../schemas/event.js'

export const EventIdParams = Type.Object({ id: Uuid }, { additionalProperties: false })

export function registerGetEvent(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/events/:id',
    {
      config: requireRoles('auditor', 'admin'),
      schema: {
        summary: 'Get one event',
        tags: ['events'],
        security: bearerSecurity,
        params: EventIdParams,
        response: { 200: StoredEvent, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { tenantId } = principalOf(request)
      const event = await ctx.log.reader.eventById(tenantId, request.params.id)
      if (event === undefined) {
        throw new ApiError('not_found', `no event ${request.params.id} in this tenant's log`)
      }
      return sendPrebuilt(reply.type('application/json; charset=utf-8'), eventJson(event))
    },
  )
}
