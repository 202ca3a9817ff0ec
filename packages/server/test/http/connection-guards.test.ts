// What the API answers outside its routes (connection-guards.ts): requests Node's parser
// refuses, requests during shutdown, the headers every answer carries, and the viewer's files
// refusing a path that leaves their folder — each in the API's error shape.

import { once } from 'node:events'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { connect, createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { answerClientError, REQUEST_TIMEOUT_MS } from '../../src/http/connection-guards.js'
import { registerViewer } from '../../src/server/viewer.js'
import type { TestDatabase } from '../support/databases.js'
import { createPgliteDatabase } from '../support/databases.js'
import type { TestApp } from './support.js'
import { startTestApp } from './support.js'

/** Sends raw bytes to `port` and reads until the server closes the connection. */
async function raw(port: number, bytes: string): Promise<{ status: number; body: unknown }> {
  const socket = connect(port, '127.0.0.1')
  await once(socket, 'connect')
  socket.write(bytes) // not end(): a half-closed client may be hung up on before the answer
  const chunks: Buffer[] = []
  socket.on('data', (chunk: Buffer) => chunks.push(chunk))
  await once(socket, 'close')
  const text = Buffer.concat(chunks).toString('utf8')
  const [head = '', body = ''] = text.split('\r\n\r\n')
  return { status: Number(head.split(' ')[1]), body: JSON.parse(body) as unknown }
}

describe('answers outside the routes', () => {
  let database: TestDatabase
  let t: TestApp
  let port: number
  let viewerDir: string

  beforeAll(async () => {
    database = await createPgliteDatabase()
    t = await startTestApp(database.db)
    viewerDir = await mkdtemp(join(tmpdir(), 'auditseal-viewer-'))
    await writeFile(join(viewerDir, 'index.html'), '<!doctype html><title>viewer</title>')
    await registerViewer(t.app, viewerDir)
    await t.app.listen({ port: 0, host: '127.0.0.1' })
    port = (t.app.server.address() as AddressInfo).port
  })
  afterAll(async () => {
    await t?.close()
    await database?.drop()
    await rm(viewerDir, { recursive: true, force: true })
  })

  it('answers a request that is not HTTP, and headers too large, in the API’s error shape', async () => {
    expect(await raw(port, 'GARBAGE\r\n\r\n')).toEqual({
      status: 400,
      body: { error: { code: 'invalid_request', message: 'the request is not valid HTTP' } },
    })
    const big = `GET /healthz HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(64 * 1024)}\r\n\r\n`
    expect(await raw(port, big)).toEqual({
      status: 431,
      body: { error: { code: 'invalid_request', message: 'the request headers are too large' } },
    })
  })

  it('gives a client a bounded time to send its request (Fastify’s default is none)', async () => {
    expect(t.app.server.requestTimeout).toBe(REQUEST_TIMEOUT_MS)
    // Node reports a request that took too long as ERR_HTTP_REQUEST_TIMEOUT; its answer:
    const server = createServer((socket) =>
      answerClientError(
        Object.assign(new Error('late'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }),
        socket,
      ),
    )
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    try {
      expect(await raw((server.address() as AddressInfo).port, '')).toEqual({
        status: 408,
        body: { error: { code: 'invalid_request', message: 'the request did not arrive in time' } },
      })
    } finally {
      server.close()
    }
  })

  it('marks every answer nosniff, and the API’s answers no-store', async () => {
    const log = await t.app.inject({ url: '/v1/log', headers: t.auth.read })
    expect(log.statusCode).toBe(200)
    expect(log.headers['cache-control']).toBe('no-store')
    expect(log.headers['x-content-type-options']).toBe('nosniff')
    const refused = await t.app.inject({ url: '/v1/log' })
    expect(refused.statusCode).toBe(401)
    expect(refused.headers['cache-control']).toBe('no-store')
    const health = await t.app.inject({ url: '/healthz' })
    expect(health.headers['x-content-type-options']).toBe('nosniff')
    const page = await t.app.inject({ url: '/' })
    expect(page.statusCode).toBe(200)
    expect(page.headers['x-content-type-options']).toBe('nosniff')
    expect(page.headers['cache-control']).not.toBe('no-store') // the viewer's own policy
  })

  it.each(['//etc/passwd', '/%2e%2e/package.json', '/assets/%00'])(
    'answers the viewer path %s, which leaves its folder, as 404 not_found',
    async (path) => {
      const { status, body } = await raw(
        port,
        `GET ${path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`,
      )
      expect(status).toBe(404)
      expect(body).toMatchObject({ error: { code: 'not_found' } })
    },
  )
})

describe('a request during shutdown', () => {
  it('is answered 503 unavailable with Retry-After, in the API’s shape', async () => {
    const database = await createPgliteDatabase()
    const t = await startTestApp(database.db)
    try {
      t.app.get('/slow', async () => {
        await new Promise((resolve) => setTimeout(resolve, 300))
        return { ok: true }
      })
      await t.app.listen({ port: 0, host: '127.0.0.1' })
      const socket = connect((t.app.server.address() as AddressInfo).port, '127.0.0.1')
      await once(socket, 'connect')
      const chunks: Buffer[] = []
      socket.on('data', (chunk: Buffer) => chunks.push(chunk))
      // A request in flight keeps its connection open while shutdown begins; the next request
      // on it arrives during shutdown.
      socket.write('GET /slow HTTP/1.1\r\nhost: x\r\n\r\n')
      await new Promise((resolve) => setTimeout(resolve, 50))
      const closing = t.close()
      await new Promise((resolve) => setTimeout(resolve, 50))
      socket.write(
        `GET /v1/log HTTP/1.1\r\nhost: x\r\nconnection: close\r\nauthorization: ${t.auth.read.authorization}\r\n\r\n`,
      )
      await once(socket, 'close')
      await closing
      const [, second = ''] = Buffer.concat(chunks).toString('utf8').split('{"ok":true}')
      expect(second).toMatch(/^HTTP\/1\.1 503 /)
      expect(second).toMatch(/\r\nretry-after: 1\r\n/)
      expect(JSON.parse(second.split('\r\n\r\n')[1] ?? '')).toEqual({
        error: { code: 'unavailable', message: 'the server is shutting down; retry later' },
      })
    } finally {
      await database.drop()
    }
  })
})
