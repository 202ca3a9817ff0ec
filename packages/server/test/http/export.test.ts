// GET /v1/export: NDJSON that a verifier can re-hash line by line, CSV that a spreadsheet
// cannot be tricked by, streamed for logs of any size.

import { request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { canonicalBytes, createTreeHasher, toBase64, validateEvent } from '@auditseal/core'
import type { AuditEvent } from '@auditseal/core'
import { nodeCrypto } from '../../src/crypto/node-crypto.js'
import { csvCell, csvRow } from '../../src/http/services/csv.js'
import type { TestDatabase } from '../support/databases.js'
import { ENGINES } from '../support/databases.js'
import { makeEvent, makeEvents } from '../support/events.js'
import type { TestApp } from './support.js'
import { apiError, startTestApp } from './support.js'

const hasher = createTreeHasher(nodeCrypto)

describe('CSV cells', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\rhere', '"cr\rhere"'],
    ['=HYPERLINK("http://evil")', '"\'=HYPERLINK(""http://evil"")"'],
    ['+1+1', "'+1+1"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tcmd', "'\tcmd"],
    ['\rcmd', '"\'\rcmd"'],
    ['', ''],
    ['a=b', 'a=b'],
  ])('writes %j as %j', (value, expected) => {
    expect(csvCell(value)).toBe(expected)
  })

  it('writes every member of an event in one row, data as JSON', () => {
    const event = {
      ...makeEvent('7f000000-0000-4000-8000-000000000000', 3),
      recorded_at: '2026-11-01T00:00:00.000Z',
    }
    const row = csvRow({
      seq: 3,
      leafHash: new Uint8Array(32),
      canonical: JSON.stringify(event),
    })
    expect(row.endsWith('\r\n')).toBe(true)
    expect(row).toContain(',failure,')
    expect(row).toContain(',E_TEST,failure 3,')
    expect(row).toContain('"{""n"":3,')
  })
})

describe.each(ENGINES)('export API on $name', ({ create }) => {
  let database: TestDatabase
  let t: TestApp
  const count = 5000

  beforeAll(async () => {
    database = await create()
    t = await startTestApp(database.db)
    const tricky = makeEvent(t.tenant, 0, {
      actor: { type: 'user', id: '=cmd|"/c calc"!A1', name: 'Eve, "the" attacker' },
      data: { note: 'line one\nline two', formula: '+1' },
    })
    const events = [tricky, ...makeEvents(t.tenant, count - 1, 1)]
    for (let i = 0; i < events.length; i += 1000) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/v1/events',
        headers: t.auth.ingest,
        payload: { events: events.slice(i, i + 1000) },
      })
      expect(response.statusCode).toBe(201)
    }
  }, 120_000)
  afterAll(async () => {
    await t?.close()
    await database?.drop()
  })

  it('streams NDJSON whose every line re-hashes to its leaf_hash', async () => {
    const response = await t.app.inject({ url: '/v1/export?format=ndjson', headers: t.auth.read })
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toBe('application/x-ndjson; charset=utf-8')
    expect(response.headers['content-disposition']).toBe(
      `attachment; filename="auditseal-${t.tenant}-${count}.ndjson"`,
    )
    expect(response.headers['x-auditseal-tree-size']).toBe(String(count))
    expect(response.headers['transfer-encoding']).toBe('chunked')
    const lines = response.body.split('\n')
    expect(lines.pop()).toBe('')
    expect(lines).toHaveLength(count)
    lines.forEach((line, i) => {
      const { seq, leaf_hash, ...event } = JSON.parse(line) as AuditEvent & {
        seq: number
        leaf_hash: string
      }
      expect(seq).toBe(i)
      expect(validateEvent(event, { requireRecordedAt: true }).ok).toBe(true)
      expect(toBase64(hasher.leafHash(canonicalBytes(event)))).toBe(leaf_hash)
    })
  })

  it('exports CSV with a header, RFC 4180 quoting and defused formulas', async () => {
    const response = await t.app.inject({
      url: '/v1/export?format=csv&actor_type=user',
      headers: t.auth.read,
    })
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toMatch(/^text\/csv; charset=utf-8/)
    expect(response.headers['content-disposition']).toMatch(/^attachment; filename=".*\.csv"$/)
    const [header, first] = response.body.split('\r\n')
    expect(header?.startsWith('seq,id,tenant_id,type,outcome,')).toBe(true)
    expect(first).toContain(`,user,"'=cmd|""/c calc""!A1","Eve, ""the"" attacker",`)
    expect(response.body).toContain('line one\\nline two') // inside data's JSON text
  })

  it('applies the same filters as the listing', async () => {
    const response = await t.app.inject({
      url: '/v1/export?type=device.created',
      headers: t.auth.read,
    })
    const lines = response.body.trim().split('\n')
    expect(lines).toHaveLength(count / 5)
    expect(lines.every((l) => (JSON.parse(l) as AuditEvent).type === 'device.created')).toBe(true)
  })

  it('refuses a bad format or filter as a JSON error, not a broken download', async () => {
    for (const query of ['format=xml', 'from=soon', 'type=*']) {
      const response = await t.app.inject({ url: `/v1/export?${query}`, headers: t.auth.read })
      expect(response.statusCode).toBe(400)
      expect(response.headers['content-disposition']).toBeUndefined()
      expect(apiError(response).code).toBe('invalid_request')
    }
  })

  it.each([
    ['from', '0000-01-01T00:00:00Z'],
    ['from', '2024-01-01T00:00:00Z[Europe/Paris]'],
    ['to', '2024-01-01T00:00:00+16:00'],
    ['to', '9999-12-31T23:59:59-23:59'],
  ])('refuses %s=%s, which PostgreSQL cannot read, as 400 naming it', async (name, value) => {
    const url = `/v1/export?${name}=${encodeURIComponent(value)}`
    const response = await t.app.inject({ url, headers: t.auth.read })
    expect(response.statusCode).toBe(400)
    expect(apiError(response)).toMatchObject({
      code: 'invalid_request',
      details: [expect.objectContaining({ location: 'query', path: name })],
    })
  })

  it('streams to a slow reader over a real socket without buffering the whole export', async () => {
    await t.app.listen({ host: '127.0.0.1', port: 0 })
    try {
      const { port } = t.app.server.address() as AddressInfo
      let chunks = 0
      let bytes = 0
      const body = await new Promise<string>((resolve, reject) => {
        const request = httpRequest(
          { host: '127.0.0.1', port, path: '/v1/export', headers: t.auth.read },
          (response) => {
            const parts: Buffer[] = []
            response.on('data', (chunk: Buffer) => {
              chunks++
              bytes += chunk.length
              parts.push(chunk)
              // Read slowly: pause after each chunk so the server must wait for us.
              response.pause()
              setTimeout(() => response.resume(), 1)
            })
            response.on('end', () => resolve(Buffer.concat(parts).toString('utf8')))
            response.on('error', reject)
          },
        )
        request.on('error', reject)
        request.end()
      })
      expect(body.trim().split('\n')).toHaveLength(count)
      expect(chunks).toBeGreaterThan(5)
      expect(bytes).toBeGreaterThan(1024 * 1024)
    } finally {
      await t.app.close()
    }
  })
})
