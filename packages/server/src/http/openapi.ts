// The OpenAPI document (@fastify/swagger, built from the routes' TypeBox schemas) at
// GET /openapi.json, and Swagger UI at GET /docs with every asset served from this process
// (no CDN: the service may run where the internet is not reachable).

import { readFileSync } from 'node:fs'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'

// src/http and dist/http are both two levels below the package root.
const { version } = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
) as { version: string }

export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'auditseal',
        version,
        description:
          'A tamper-evident, multi-tenant audit log: events, Merkle proofs and signed ' +
          'checkpoints. Errors are {"error": {"code", "message", "details"?}}; see docs/api.md.',
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'An API key (ask_<id>_<secret>) or a JWT',
          },
        },
      },
      tags: [
        { name: 'events', description: 'write and read audit events' },
        { name: 'proofs', description: 'inclusion and consistency proofs' },
        { name: 'checkpoints', description: 'signed tree heads (C2SP checkpoints)' },
        { name: 'operations', description: 'health, readiness, metrics, this document' },
      ],
    },
  })
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true })
}
