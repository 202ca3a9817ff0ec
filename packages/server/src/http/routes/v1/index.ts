// The audit API under /v1 (architecture §5).

import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { ApiContext } from '../../context.js'
import { registerLatestCheckpoint } from './checkpoints/latest.js'
import { registerListCheckpoints } from './checkpoints/list.js'
import { registerCreateEvents } from './events/create.js'
import { registerGetEvent } from './events/get.js'
import { registerListEvents } from './events/list.js'
import { registerEventProof } from './events/proof.js'
import { registerExport } from './export/get.js'
import { registerGetLog } from './log/get.js'
import { registerConsistencyProof } from './proofs/consistency.js'

export const v1Routes: FastifyPluginAsync<{ ctx: ApiContext }> = async (instance, { ctx }) => {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>()
  registerCreateEvents(app, ctx)
  registerListEvents(app, ctx)
  registerGetEvent(app, ctx)
  registerEventProof(app, ctx)
  registerGetLog(app, ctx)
  registerLatestCheckpoint(app, ctx)
  registerListCheckpoints(app, ctx)
  registerConsistencyProof(app, ctx)
  registerExport(app, ctx)
}
