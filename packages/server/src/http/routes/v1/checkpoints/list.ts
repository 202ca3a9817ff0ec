// GET /v1/checkpoints: the caller's signed checkpoints, newest first.

import { toBase64 } from '@auditseal/core'
import { Type } from 'typebox'
import { requireRoles } from '../../../auth/plugin.js'
import type { ApiApp, ApiContext } from '../../../context.js'
import { principalOf } from '../../../context.js'
import { Base64Hash, bearerSecurity, errorResponses, treeInteger } from '../../../schemas/common.js'
import {
  decodeCheckpointCursor,
  encodeCheckpointCursor,
} from '../../../services/checkpoint-cursor.js'

const DEFAULT_LIMIT = 50

const Query = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: DEFAULT_LIMIT })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  },
  { additionalProperties: false },
)

const CheckpointList = Type.Object({
  checkpoints: Type.Array(
    Type.Object({
      tree_size: treeInteger('the size of the signed tree'),
      root_hash: Base64Hash,
      created_at: Type.String({ description: 'when it was signed (RFC 3339, UTC)' }),
      note: Type.String({ description: 'the signed C2SP checkpoint note' }),
    }),
  ),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
})

export function registerListCheckpoints(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/checkpoints',
    {
      config: requireRoles('auditor', 'admin'),
      schema: {
        summary: 'List signed checkpoints',
        tags: ['checkpoints'],
        security: bearerSecurity,
        querystring: Query,
        response: { 200: CheckpointList, ...errorResponses },
      },
    },
    async (request) => {
      const { tenantId } = principalOf(request)
      const { limit, cursor } = request.query
      const page = await ctx.log.reader.checkpoints(tenantId, {
        limit: limit ?? DEFAULT_LIMIT,
        before: cursor === undefined ? undefined : decodeCheckpointCursor(cursor),
      })
      const newest = page.checkpoints[0]
      if (cursor === undefined && newest) ctx.metrics.observeCheckpoint(tenantId, newest.createdAt)
      return {
        checkpoints: page.checkpoints.map((c) => ({
          tree_size: c.treeSize,
          root_hash: toBase64(c.rootHash),
          created_at: c.createdAt.toISOString(),
          note: c.note,
        })),
        next_cursor: page.nextBefore === null ? null : encodeCheckpointCursor(page.nextBefore),
      }
    },
  )
}
