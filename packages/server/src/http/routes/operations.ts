// Operations: liveness, readiness, metrics and the OpenAPI document. No credentials, no rate
// limit (probes and scrapers must always get through); expose them on an internal network.

import { Type } from 'typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { pendingMigrationsForReader } from '../../db/migrations.js'
import type { Store } from '../../db/database.js'
import { DbError } from '../../db/errors.js'
import type { AppMetrics } from '../metrics.js'
import { ApiError } from '../errors.js'
import { ErrorResponse } from '../schemas/common.js'

/** A readiness check that takes longer than this counts as failed. */
const READY_TIMEOUT_MS = 3000

const operations = { tags: ['operations'] }
const noRateLimit = { rateLimit: false } as const
// Probes and scrapers call every few seconds: log their requests only when something is wrong.
const quiet = 'warn'

export function registerOperationRoutes(
  instance: FastifyInstance,
  deps: { store: Store; metrics: AppMetrics },
): void {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>()

  app.get(
    '/healthz',
    {
      config: noRateLimit,
      logLevel: quiet,
      schema: {
        ...operations,
        summary: 'Liveness: the process is up',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  )

  app.get(
    '/readyz',
    {
      config: noRateLimit,
      logLevel: quiet,
      schema: {
        ...operations,
        summary: 'Readiness: the databases answer and no migration is pending',
        response: { 200: Type.Object({ status: Type.Literal('ready') }), 503: ErrorResponse },
      },
    },
    async () => {
      await withTimeout(readiness(deps.store), READY_TIMEOUT_MS)
      return { status: 'ready' as const }
    },
  )

  app.get(
    '/metrics',
    {
      config: noRateLimit,
      logLevel: quiet,
      schema: {
        ...operations,
        summary: 'Prometheus metrics',
        produces: ['text/plain'],
        response: { 200: Type.String() },
      },
    },
    async (_request, reply) => {
      const text = await deps.metrics.registry.metrics()
      return reply.type(deps.metrics.registry.contentType).send(text)
    },
  )

  app.get(
    '/openapi.json',
    {
      config: noRateLimit,
      logLevel: quiet,
      schema: {
        ...operations,
        summary: 'This OpenAPI document',
        response: { 200: Type.Object({}, { additionalProperties: true }) },
      },
    },
    async () => instance.swagger() as unknown as Record<string, unknown>,
  )
}

async function readiness(store: Store): Promise<void> {
  let pending: string[]
  try {
    // As the reader: the recommended login of serve reaches the schema only through SET ROLE.
    pending = await pendingMigrationsForReader(store.write)
    if (store.read !== store.write) {
      await store.read.roleTransaction('reader', (sql) => sql.query('SELECT 1'))
    }
  } catch (error) {
    if (error instanceof DbError && error.code === 'MIGRATIONS_UNREADABLE') {
      throw new ApiError('not_ready', `migrations pending: ${error.message}`, { cause: error })
    }
    throw new ApiError('not_ready', 'a database does not answer', {
      cause: error,
      reason: error instanceof Error ? error.message : String(error),
    })
  }
  if (pending.length > 0) {
    throw new ApiError('not_ready', `migrations pending: ${pending.join(', ')}`)
  }
}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ApiError('not_ready', `readiness checks took over ${ms} ms`)),
      ms,
    )
  })
  try {
    return await Promise.race([work, timeout])
  } finally {
    clearTimeout(timer)
  }
}
