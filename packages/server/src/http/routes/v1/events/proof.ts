// GET /v1/events/{id}/proof?tree_size=N: the event's inclusion proof and the signed
// checkpoint it leads to (services/proofs.ts says which checkpoint).

import { toBase64 } from '@auditseal/core'
import { Type } from 'typebox'
import { requireRoles } from '../../../auth/plugin.js'
import type { ApiApp, ApiContext } from '../../../context.js'
import { principalOf } from '../../../context.js'
import { Base64Hash, bearerSecurity, errorResponses, treeInteger } from '../../../schemas/common.js'
import { eventInclusion } from '../../../services/proofs.js'
import { EventIdParams } from './get.js'

const Query = Type.Object(
  {
    tree_size: Type.Optional(
      treeInteger('the size of a signed checkpoint to prove against (default: the latest)', 1),
    ),
  },
  { additionalProperties: false },
)

const InclusionProof = Type.Object({
  seq: treeInteger('the leaf index of the event'),
  leaf_hash: Base64Hash,
  tree_size: treeInteger('the size of the tree the proof leads to'),
  proof: Type.Array(Base64Hash, { description: 'RFC 9162 §2.1.3 inclusion path, leaf to root' }),
  checkpoint: Type.String({ description: 'the signed C2SP checkpoint note of tree_size' }),
})

export function registerEventProof(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/events/:id/proof',
    {
      config: requireRoles('auditor', 'admin'),
      schema: {
        summary: 'Inclusion proof of an event',
        tags: ['proofs'],
        security: bearerSecurity,
        params: EventIdParams,
        querystring: Query,
        response: { 200: InclusionProof, ...errorResponses },
      },
    },
    async (request) => {
      const { tenantId } = principalOf(request)
      const inclusion = await eventInclusion(
        ctx.log,
        ctx.metrics,
        tenantId,
        request.params.id,
        request.query.tree_size,
      )
      return {
        seq: inclusion.seq,
        leaf_hash: toBase64(inclusion.leafHash),
        tree_size: inclusion.treeSize,
        proof: inclusion.proof.map(toBase64),
        checkpoint: inclusion.checkpoint,
      }
    },
  )
}
