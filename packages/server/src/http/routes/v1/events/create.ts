// POST /v1/events: seal 1 to 1,000 events into the caller's log, all or none.

import { toBase64 } from '@auditseal/core'
import { Type } from 'typebox'
import { requireRoles } from '../../../auth/plugin.js'
import type { ApiApp, ApiContext } from '../../../context.js'
import { principalOf } from '../../../context.js'
import {
  Base64Hash,
  bearerSecurity,
  bodyErrorResponses,
  errorResponses,
  stringEnum,
  treeInteger,
} from '../../../schemas/common.js'
import { EventInput } from '../../../schemas/event.js'
import { prepareBatch } from '../../../services/ingest.js'

export const MAX_EVENTS_PER_REQUEST = 1000

const Body = Type.Object(
  {
    // Checked one by one with the core's validateEvent, which reports every issue of every
    // event; the schema only fixes the shape of the batch (EventInput documents an event).
    events: Type.Array(Type.Unknown(), { minItems: 1, maxItems: MAX_EVENTS_PER_REQUEST }),
  },
  { additionalProperties: false },
)

const DocumentedBody = Type.Object(
  { events: Type.Array(EventInput, { minItems: 1, maxItems: MAX_EVENTS_PER_REQUEST }) },
  { additionalProperties: false },
)

const Acknowledgement = Type.Object({
  id: Type.String(),
  seq: treeInteger('the leaf index of the event'),
  leaf_hash: Base64Hash,
  status: stringEnum(['created', 'duplicate'], {
    description: 'duplicate: an event with this id was sealed before; seq and leaf_hash are its',
  }),
})

export function registerCreateEvents(app: ApiApp, ctx: ApiContext): void {
  app.post(
    '/events',
    {
      config: {
        ...requireRoles('ingest', 'admin'),
        // OpenAPI shows the envelope each event must have, not just "unknown".
        swaggerTransform: ({ schema, url }) => ({
          schema: { ...schema, body: DocumentedBody },
          url,
        }),
      },
      schema: {
        summary: 'Seal events',
        description:
          "Seals 1 to 1,000 events into the log of the credential's tenant, in one transaction. " +
          "tenant_id may be omitted (it is filled in) and must otherwise be the credential's; " +
          'id may be omitted (a UUIDv7 is generated); recorded_at must be omitted.',
        tags: ['events'],
        security: bearerSecurity,
        body: Body,
        response: {
          201: Type.Object({
            tenant_id: Type.String({
              description:
                "the credential's tenant, whose log the events were sealed into (a client " +
                'that sends no tenant_id learns it here)',
            }),
            events: Type.Array(Acknowledgement),
          }),
          ...errorResponses,
          ...bodyErrorResponses,
        },
      },
    },
    async (request, reply) => {
      const { tenantId } = principalOf(request)
      // The body is JSON.parse's output (json-body.ts), checked but not changed by the schema.
      const events = prepareBatch(tenantId, request.body.events, { parsedJson: true })
      const started = performance.now()
      const sealed = await ctx.log.sealer.seal(tenantId, events)
      ctx.metrics.observeSeal(
        (performance.now() - started) / 1000,
        sealed.map((s) => s.status),
      )
      return reply.code(201).send({
        tenant_id: tenantId,
        events: sealed.map((s) => ({
          id: s.id,
          seq: s.seq,
          leaf_hash: toBase64(s.leafHash),
          status: s.status,
        })),
      })
    },
  )
}
