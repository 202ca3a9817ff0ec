// GET /v1/checkpoints/latest: the newest signed checkpoint note, as text/plain. A log that has
// events but no checkpoint yet (the checkpointer runs every second) gets one signed now, so
// the answer is 404 only for an empty log.

import { requireRoles } from '../../../auth/plugin.js'
import type { ApiApp, ApiContext } from '../../../context.js'
import { principalOf } from '../../../context.js'
import { ApiError } from '../../../errors.js'
import { bearerSecurity, errorResponses, mediaResponse } from '../../../schemas/common.js'

export function registerLatestCheckpoint(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/checkpoints/latest',
    {
      config: requireRoles('auditor', 'admin'),
      schema: {
        summary: 'The latest signed checkpoint',
        tags: ['checkpoints'],
        security: bearerSecurity,
        response: {
          200: mediaResponse('a C2SP signed checkpoint note', ['text/plain']),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { tenantId } = principalOf(request)
      const note = await latestNote(ctx, tenantId)
      return reply.type('text/plain; charset=utf-8').send(note)
    },
  )
}

async function latestNote(ctx: ApiContext, tenantId: string): Promise<string> {
  const latest = await ctx.log.reader.latestCheckpoint(tenantId)
  if (latest !== undefined) {
    ctx.metrics.observeCheckpoint(tenantId, latest.createdAt)
    return latest.note
  }
  const signed = await ctx.log.checkpointer.checkpointTenant(tenantId)
  if (signed === undefined) {
    throw new ApiError('not_found', 'no checkpoint yet: this log has no events')
  }
  ctx.metrics.observeCheckpoint(tenantId, new Date())
  return signed.note
}
