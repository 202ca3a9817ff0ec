// GET /v1/export?format=ndjson|csv&<filters>: every matching event, streamed as a download.

import { Type } from 'typebox'
import { requireRoles } from '../../../auth/plugin.js'
import type { ApiApp, ApiContext } from '../../../context.js'
import { principalOf, sendPrebuilt } from '../../../context.js'
import {
  bearerSecurity,
  errorResponses,
  mediaResponse,
  stringEnum,
} from '../../../schemas/common.js'
import { eventFilterOf, eventFilterQuery } from '../../../schemas/event-filter.js'
import { startExport } from '../../../services/export-stream.js'

const Query = Type.Object(
  {
    format: Type.Optional(stringEnum(['ndjson', 'csv'], { default: 'ndjson' })),
    ...eventFilterQuery,
  },
  { additionalProperties: false },
)

const CONTENT_TYPES = {
  ndjson: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8; header=present',
} as const

export function registerExport(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/export',
    {
      config: requireRoles('auditor', 'admin'),
      schema: {
        summary: 'Export events (streamed)',
        description:
          'NDJSON: one event per line, exactly as hashed plus seq and leaf_hash. CSV: one row ' +
          'per event, formula-like cells prefixed with an apostrophe. Stops at the tree size ' +
          'of the moment it started (X-Auditseal-Tree-Size).',
        tags: ['events'],
        security: bearerSecurity,
        querystring: Query,
        response: {
          200: mediaResponse('the export file', ['application/x-ndjson', 'text/csv']),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { tenantId } = principalOf(request)
      const { format = 'ndjson', ...filters } = request.query
      const exported = await startExport(ctx.log, tenantId, eventFilterOf(filters), format)
      const filename = `auditseal-${tenantId}-${exported.treeSize}.${format}`
      reply
        .header('content-type', CONTENT_TYPES[format])
        .header('content-disposition', `attachment; filename="${filename}"`)
        .header('x-auditseal-tree-size', String(exported.treeSize))
        .header('cache-control', 'no-store')
      return sendPrebuilt(reply, exported.body)
    },
  )
}
