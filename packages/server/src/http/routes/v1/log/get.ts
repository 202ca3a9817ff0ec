// GET /v1/log: the caller's log: origin, verifier key, and the current (unsigned) tree head.

import { toBase64 } from '@auditseal/core'
import { Type } from 'typebox'
import { requireRoles } from '../../../auth/plugin.js'
import type { ApiApp, ApiContext } from '../../../context.js'
import { principalOf } from '../../../context.js'
import { Base64Hash, bearerSecurity, errorResponses, treeInteger } from '../../../schemas/common.js'

const LogInfo = Type.Object({
  origin: Type.String({ description: '<log name>/<tenant_id>, the checkpoint origin' }),
  vkey: Type.String({ description: 'the verifier key of the checkpoints: origin+hex8+base64' }),
  tree_size: treeInteger('events in the log now (not necessarily checkpointed yet)'),
  root_hash: Base64Hash,
})

export function registerGetLog(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/log',
    {
      config: requireRoles('auditor', 'admin'),
      schema: {
        summary: "The caller's log and its verifier key",
        tags: ['checkpoints'],
        security: bearerSecurity,
        response: { 200: LogInfo, ...errorResponses },
      },
    },
    async (request) => {
      const { tenantId } = principalOf(request)
      const head = await ctx.log.reader.head(tenantId)
      return {
        origin: ctx.log.keys.origin(tenantId),
        vkey: ctx.log.keys.verifierKey(tenantId),
        tree_size: head.treeSize,
        root_hash: toBase64(head.rootHash),
      }
    },
  )
}
