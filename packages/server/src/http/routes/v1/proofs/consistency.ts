// GET /v1/proofs/consistency?from=M&to=N: proof that the tree of size M is a prefix of the
// tree of size N (RFC 9162 §2.1.4), both sizes of the caller's log.

import { Type } from 'typebox'
import { requireRoles } from '../../../auth/plugin.js'
import type { ApiApp, ApiContext } from '../../../context.js'
import { principalOf } from '../../../context.js'
import { Base64Hash, bearerSecurity, errorResponses, treeInteger } from '../../../schemas/common.js'
import { toBase64 } from '@auditseal/core'

const Query = Type.Object(
  {
    from: treeInteger('the smaller tree size (a checkpoint you hold)', 1),
    to: treeInteger('the larger tree size, at most the current size', 1),
  },
  { additionalProperties: false },
)

const ConsistencyProof = Type.Object({
  from: treeInteger('the smaller tree size'),
  to: treeInteger('the larger tree size'),
  proof: Type.Array(Base64Hash, { description: 'RFC 9162 §2.1.4 consistency path' }),
})

export function registerConsistencyProof(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/proofs/consistency',
    {
      config: requireRoles('auditor', 'admin'),
      schema: {
        summary: 'Consistency proof between two tree sizes',
        tags: ['proofs'],
        security: bearerSecurity,
        querystring: Query,
        response: { 200: ConsistencyProof, ...errorResponses },
      },
    },
    async (request) => {
      const { tenantId } = principalOf(request)
      const { from, to } = request.query
      const proof = await ctx.log.reader.consistencyProof(tenantId, from, to)
      return { from, to, proof: proof.map(toBase64) }
    },
  )
}
