// The Fastify plugin on a real Fastify app: request.audit fills in the request's context.
import type { AuditEvent } from '@auditseal/core'
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { auditPlugin } from '../src/fastify.js'
import type { AuditEventInput } from '../src/index.js'

const TENANT = '0190d0a8-7f3c-7b6e-9a2d-3c4b5a697887'

/** Records what the plugin logs (the plugin needs only log()). */
function recorder() {
  const logged: AuditEventInput[] = []
  return { logged, logger: { log: (event: AuditEventInput) => void logged.push(event) } }
}

async function app(options: Omit<Parameters<typeof auditPlugin>[1], 'logger'> = {}) {
  const { logged, logger } = recorder()
  const fastify = Fastify()
  fastify.decorateRequest('principal' as never, null as never)
  fastify.addHook('onRequest', async (request) => {
    const sub = request.headers['x-sub']
    if (typeof sub === 'string') {
      ;(request as unknown as { principal: unknown }).principal = {
        kind: 'jwt',
        subject: sub,
        tenantId: TENANT,
      }
    }
  })
  await fastify.register(auditPlugin, { logger, ...options })
  // Registered in a child context: the plugin is not encapsulated, so routes here see it too.
  await fastify.register(async (child) => {
    child.post('/devices', async (request) => {
      request.audit('device.created', {
        target: { type: 'device', id: 'dev-1' },
        data: { serial: 'SN1' },
      })
      return { ok: true }
    })
    child.delete('/devices/:id', async (request) => {
      request.audit('device.deletion_failed', {
        target: { type: 'device', id: 'dev-2' },
        error: { code: 'E_GONE', message: 'gone' },
      })
      return { ok: false }
    })
  })
  return { fastify, logged }
}

describe('auditPlugin', () => {
  it('fills tenant, actor, source ip, user agent and request id from the request', async () => {
    const { fastify, logged } = await app()
    const response = await fastify.inject({
      method: 'POST',
      url: '/devices',
      remoteAddress: '203.0.113.9',
      headers: { 'x-sub': 'user-42', 'user-agent': 'curl/8.0' },
    })
    expect(response.statusCode).toBe(200)
    expect(logged).toEqual([
      {
        type: 'device.created',
        outcome: 'success',
        tenant_id: TENANT,
        actor: { type: 'user', id: 'user-42' },
        target: { type: 'device', id: 'dev-1' },
        source: { ip: '203.0.113.9', user_agent: 'curl/8.0' },
        request_id: expect.stringMatching(/^req-/),
        data: { serial: 'SN1' },
      } satisfies Partial<AuditEvent> & AuditEventInput,
    ])
  })

  it('marks events with an error as failures, and audits anonymous requests', async () => {
    const { fastify, logged } = await app()
    await fastify.inject({
      method: 'DELETE',
      url: '/devices/dev-2',
      remoteAddress: '::ffff:198.51.100.4',
    })
    expect(logged[0]).toMatchObject({
      outcome: 'failure',
      error: { code: 'E_GONE', message: 'gone' },
      actor: { type: 'anonymous', id: 'anonymous' },
      source: { ip: '198.51.100.4' },
    })
    expect(logged[0]).not.toHaveProperty('tenant_id') // left to the server, from the credential
  })

  it('uses the configured resolvers and clips what the client controls', async () => {
    const { fastify, logged } = await app({
      tenant: () => '0190d0a8-7f3c-7b6e-9a2d-3c4b5a697888',
      actor: () => ({ type: 'service', id: 'billing' }),
    })
    await fastify.inject({
      method: 'POST',
      url: '/devices',
      headers: { 'user-agent': 'x'.repeat(5000) },
    })
    expect(logged[0]).toMatchObject({
      tenant_id: '0190d0a8-7f3c-7b6e-9a2d-3c4b5a697888',
      actor: { type: 'service', id: 'billing' },
    })
    expect(logged[0]?.source?.user_agent).toHaveLength(1024)
  })

  it('refuses to register without a logger', async () => {
    const fastify = Fastify()
    await expect(fastify.register(auditPlugin, {} as never).ready()).rejects.toThrow(
      'auditPlugin: options.logger must be an audit logger',
    )
  })
})
