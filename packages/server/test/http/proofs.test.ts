// Proofs and checkpoints over HTTP, checked the way a client checks them: with the core's
// verifier, the verifier key from GET /v1/log, and nothing but what the API returned.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createTreeHasher,
  fromBase64,
  openCheckpoint,
  parseVerifierKey,
  verifyConsistency,
  verifyInclusion,
} from '@auditseal/core'
import { nodeCrypto } from '../../src/crypto/node-crypto.js'
import type { TestDatabase } from '../support/databases.js'
import { ENGINES } from '../support/databases.js'
import { makeEvents } from '../support/events.js'
import type { TestApp } from './support.js'
import { apiError, json, startTestApp } from './support.js'

const hasher = createTreeHasher(nodeCrypto)

interface Proof {
  seq: number
  leaf_hash: string
  tree_size: number
  proof: string[]
  checkpoint: string
}

const bytes = (base64: string): Uint8Array => {
  const decoded = fromBase64(base64)
  if (decoded === undefined) throw new Error(`not base64: ${base64}`)
  return decoded
}

describe.each(ENGINES)('proofs and checkpoints API on $name', ({ create }) => {
  let database: TestDatabase
  let t: TestApp
  let ids: string[]
  let vkey: string

  const get = (url: string, headers = t.auth.read) => t.app.inject({ url, headers })
  const seal = async (count: number, offset: number) => {
    const events = makeEvents(t.tenant, count, offset)
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: t.auth.ingest,
      payload: { events },
    })
    expect(response.statusCode).toBe(201)
    return events.map((e) => e.id)
  }

  /** Checks a proof response as a client would: signature, origin, size, then the path. */
  function verifyProof(body: Proof): void {
    const key = parseVerifierKey(nodeCrypto, vkey)
    const { checkpoint } = openCheckpoint(nodeCrypto, body.checkpoint, key)
    expect(checkpoint.size).toBe(body.tree_size)
    verifyInclusion(
      hasher,
      body.seq,
      body.tree_size,
      bytes(body.leaf_hash),
      body.proof.map(bytes),
      checkpoint.rootHash,
    )
  }

  beforeAll(async () => {
    database = await create()
    t = await startTestApp(database.db)
  })
  afterAll(async () => {
    await t?.close()
    await database?.drop()
  })

  it('GET /v1/checkpoints/latest is 404 not_found while the log is empty', async () => {
    const response = await get('/v1/checkpoints/latest')
    expect(response.statusCode).toBe(404)
    expect(apiError(response).code).toBe('not_found')
  })

  it('GET /v1/log gives the origin, the verifier key and the head', async () => {
    ids = await seal(10, 0)
    const response = await get('/v1/log')
    expect(response.statusCode).toBe(200)
    const log = json<{ origin: string; vkey: string; tree_size: number; root_hash: string }>(
      response,
    )
    expect(log.origin).toBe(`test.auditseal.local/${t.tenant}`)
    expect(log.vkey).toBe(t.log.keys.verifierKey(t.tenant))
    expect(log.tree_size).toBe(10)
    expect(bytes(log.root_hash)).toHaveLength(32)
    vkey = log.vkey
  })

  it('signs a checkpoint for GET /v1/checkpoints/latest when a non-empty log has none', async () => {
    const response = await get('/v1/checkpoints/latest')
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toBe('text/plain; charset=utf-8')
    const { checkpoint } = openCheckpoint(
      nodeCrypto,
      response.body,
      parseVerifierKey(nodeCrypto, vkey),
    )
    expect(checkpoint.size).toBe(10)
  })

  it('proves inclusion against the latest checkpoint, signing one when it does not cover the event', async () => {
    const later = await seal(7, 10) // seq 10..16, beyond the checkpoint of size 10
    const response = await get(`/v1/events/${later[3]}/proof`)
    expect(response.statusCode).toBe(200)
    const body = json<Proof>(response)
    expect(body.seq).toBe(13)
    expect(body.tree_size).toBe(17)
    verifyProof(body)
    const early = json<Proof>(await get(`/v1/events/${ids[0]}/proof`))
    expect(early.tree_size).toBe(17)
    verifyProof(early)
  })

  it('proves inclusion against an earlier checkpoint given as tree_size', async () => {
    const body = json<Proof>(await get(`/v1/events/${ids[4]}/proof?tree_size=10`))
    expect(body.tree_size).toBe(10)
    verifyProof(body)
  })

  it('every event of the log has a proof that verifies, and a flipped bit does not', async () => {
    for (const id of ids) {
      const body = json<Proof>(await get(`/v1/events/${id}/proof`))
      verifyProof(body)
      const tampered = bytes(body.leaf_hash)
      tampered[0] = (tampered[0] ?? 0) ^ 1
      expect(() =>
        verifyInclusion(
          hasher,
          body.seq,
          body.tree_size,
          tampered,
          body.proof.map(bytes),
          openCheckpoint(nodeCrypto, body.checkpoint, parseVerifierKey(nodeCrypto, vkey)).checkpoint
            .rootHash,
        ),
      ).toThrow()
    }
  })

  it.each([
    ['tree_size=5', 400, 'tree_size_out_of_range'], // the event (seq 7) is not in it
    ['tree_size=12', 404, 'not_found'], // no checkpoint was signed at 12
    ['tree_size=0', 400, 'invalid_request'],
    ['tree_size=1e1', 400, 'invalid_request'],
    ['tree_size=99999999999999999999', 400, 'invalid_request'],
  ])('refuses a proof with %s (%i %s)', async (query, status, code) => {
    const response = await get(`/v1/events/${ids[7]}/proof?${query}`)
    expect(response.statusCode).toBe(status)
    expect(apiError(response).code).toBe(code)
  })

  it('answers 404 for the proof of an unknown event', async () => {
    const response = await get(`/v1/events/${makeEvents(t.tenant, 1)[0]?.id}/proof`)
    expect(response.statusCode).toBe(404)
  })

  it('lists checkpoints newest first, paged by cursor', async () => {
    await seal(3, 17)
    await t.log.checkpointer.checkpointTenant(t.tenant) // 20
    const first = json<{
      checkpoints: { tree_size: number; root_hash: string; created_at: string; note: string }[]
      next_cursor: string | null
    }>(await get('/v1/checkpoints?limit=2'))
    expect(first.checkpoints.map((c) => c.tree_size)).toEqual([20, 17])
    expect(first.next_cursor).not.toBeNull()
    const second = json<typeof first>(
      await get(`/v1/checkpoints?limit=2&cursor=${first.next_cursor}`),
    )
    expect(second.checkpoints.map((c) => c.tree_size)).toEqual([10])
    expect(second.next_cursor).toBeNull()
    for (const c of [...first.checkpoints, ...second.checkpoints]) {
      const opened = openCheckpoint(nodeCrypto, c.note, parseVerifierKey(nodeCrypto, vkey))
      expect(opened.checkpoint.size).toBe(c.tree_size)
      expect(bytes(c.root_hash)).toEqual(opened.checkpoint.rootHash)
      expect(new Date(c.created_at).toISOString()).toBe(c.created_at)
    }
    const bad = await get('/v1/checkpoints?cursor=nope')
    expect(bad.statusCode).toBe(400)
    expect(apiError(bad).code).toBe('invalid_cursor')
  })

  it('proves consistency between two checkpoints', async () => {
    const notes = json<{ checkpoints: { tree_size: number; note: string }[] }>(
      await get('/v1/checkpoints'),
    ).checkpoints
    const key = parseVerifierKey(nodeCrypto, vkey)
    const roots = new Map(
      notes.map((c) => [c.tree_size, openCheckpoint(nodeCrypto, c.note, key).checkpoint.rootHash]),
    )
    for (const [from, to] of [
      [10, 17],
      [10, 20],
      [17, 20],
      [20, 20],
    ] as const) {
      const response = await get(`/v1/proofs/consistency?from=${from}&to=${to}`)
      expect(response.statusCode).toBe(200)
      const body = json<{ from: number; to: number; proof: string[] }>(response)
      expect(body).toMatchObject({ from, to })
      verifyConsistency(
        hasher,
        from,
        to,
        body.proof.map(bytes),
        roots.get(from) as Uint8Array,
        roots.get(to) as Uint8Array,
      )
    }
  })

  it.each([
    ['from=5&to=3', 'tree_size_out_of_range'],
    ['from=1&to=21', 'tree_size_out_of_range'],
    ['from=0&to=3', 'invalid_request'],
    ['to=3', 'invalid_request'],
    ['from=-1&to=3', 'invalid_request'],
  ])('refuses a consistency proof with %s (400 %s)', async (query, code) => {
    const response = await get(`/v1/proofs/consistency?${query}`)
    expect(response.statusCode).toBe(400)
    expect(apiError(response).code).toBe(code)
  })
})
