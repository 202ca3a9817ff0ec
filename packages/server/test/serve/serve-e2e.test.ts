// End to end, as a user runs it: the BUILT command line (npm test runs `tsc -b` first) serves
// the gateway on the embedded database; devices are created over real HTTP; the events, a
// proof and the checkpoint are checked with the core verifier; SIGTERM exits 0; a restart on
// the same data directory keeps the devices, the log and the signing key.

import type { ChildProcess } from 'node:child_process'
import { execFile, spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { AuditEvent } from '@auditseal/core'
import {
  canonicalJson,
  createTreeHasher,
  fromBase64,
  openCheckpoint,
  parseVerifierKey,
  toBase64,
  verifyConsistency,
  verifyInclusion,
} from '@auditseal/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nodeCrypto } from '../../src/crypto/node-crypto.js'

const CLI = new URL('../../dist/cli.js', import.meta.url).pathname
const TENANT = '0190b6a4-7e5c-7000-8000-00000000e2e0'
const hasher = createTreeHasher(nodeCrypto)

/** The environment without anything that would point the server elsewhere. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env }
  for (const name of Object.keys(env)) {
    if (name.startsWith('AUDITSEAL_') || name.startsWith('DATABASE_')) delete env[name]
  }
  return env
}

interface Served {
  child: ChildProcess
  url: string
  stdout: () => string
  exited: Promise<number | null>
}

/** Starts `auditseal serve` and resolves once it prints its URL. */
async function serve(dataDir: string): Promise<Served> {
  const child = spawn(
    'node',
    [
      CLI,
      'serve',
      '--port',
      '0',
      '--data-dir',
      dataDir,
      '--checkpoint-interval-ms',
      '100',
      '--log-level',
      'warn',
    ],
    { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const match = /auditseal listening on (http:\/\/\S+)/.exec(stdout)
      if (match && stdout.includes('API docs:')) {
        clearInterval(timer)
        resolve(match[1] as string)
      }
    }, 50)
    void exited.then((code) => {
      clearInterval(timer)
      reject(new Error(`serve exited with ${code} before listening:\n${stdout}\n${stderr}`))
    })
  })
  return { child, url, stdout: () => stdout, exited }
}

async function cli(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)('node', [CLI, ...args], { env: cleanEnv() })
  return stdout.trim()
}

async function call<T>(
  url: string,
  token: string,
  init: { method?: string; body?: unknown } = {},
): Promise<{ status: number; body: T }> {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${token}`,
      ...(init.body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
  })
  const text = await response.text()
  const type = response.headers.get('content-type') ?? ''
  return { status: response.status, body: (type.includes('json') ? JSON.parse(text) : text) as T }
}

/** Polls until the log holds `count` events (the gateway's audit writes are asynchronous). */
async function eventsWhenSealed(url: string, token: string, count: number): Promise<StoredEvent[]> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const { body } = await call<{ events: StoredEvent[] }>(`${url}/v1/events?order=asc`, token)
    if (body.events.length >= count) return body.events
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`the log never reached ${count} events`)
}

type StoredEvent = AuditEvent & { seq: number; leaf_hash: string }

function leafHashOf(stored: StoredEvent): string {
  const { seq: _seq, leaf_hash: _leaf, ...event } = stored
  return toBase64(hasher.leafHash(Buffer.from(canonicalJson(event as AuditEvent), 'utf8')))
}

describe('auditseal serve, end to end', () => {
  let dir: string
  let dataDir: string
  let token: string
  let vkey: string
  let firstCheckpoint: { size: number; root: Uint8Array }
  let keyFile: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'auditseal-e2e-'))
    dataDir = join(dir, 'data')
  })
  afterAll(async () => rm(dir, { recursive: true, force: true }))

  it('serves the gateway; its events verify against the signed checkpoint; SIGTERM exits 0', async () => {
    const server = await serve(dataDir)
    try {
      expect(server.stdout()).toMatch(/signing key: .*signing\.key \(created now\)/)
      token = await cli(
        'token',
        '--tenant',
        TENANT,
        '--sub',
        'alice',
        '--roles',
        'operator,auditor',
        '--data-dir',
        dataDir,
      )

      // Devices through the gateway, over real HTTP.
      const created = []
      for (const serial of ['E2E-1', 'E2E-2', 'E2E-3']) {
        const response = await call<{ id: string }>(`${server.url}/devices`, token, {
          method: 'POST',
          body: { serial_number: serial, name: `device ${serial}` },
        })
        expect(response.status).toBe(201)
        created.push(response.body)
      }
      expect(
        (
          await call(`${server.url}/devices/${created[0]?.id}`, token, {
            method: 'PATCH',
            body: { model: 'M1' },
          })
        ).status,
      ).toBe(200)
      expect(
        (await call(`${server.url}/devices/${created[2]?.id}`, token, { method: 'DELETE' })).status,
      ).toBe(204)
      expect(
        (
          await call(`${server.url}/devices`, token, {
            method: 'POST',
            body: { serial_number: 'E2E-1' },
          })
        ).status,
      ).toBe(409)

      // The events, each with its leaf hash recomputed from the event itself.
      const events = await eventsWhenSealed(server.url, token, 6)
      expect(events.map((e) => e.type)).toEqual([
        'device.created',
        'device.created',
        'device.created',
        'device.updated',
        'device.deleted',
        'device.creation_failed',
      ])
      for (const event of events) expect(event.leaf_hash).toBe(leafHashOf(event))

      // The tenant's verifier key, and a proof that the first event is in the signed tree.
      const log = await call<{ origin: string; vkey: string }>(`${server.url}/v1/log`, token)
      expect(log.body.origin).toBe(`auditseal.local/${TENANT}`)
      vkey = log.body.vkey
      const verifier = parseVerifierKey(nodeCrypto, vkey)
      const proof = await call<{
        seq: number
        leaf_hash: string
        tree_size: number
        proof: string[]
        checkpoint: string
      }>(`${server.url}/v1/events/${events[0]?.id}/proof`, token)
      expect(proof.status).toBe(200)
      const opened = openCheckpoint(nodeCrypto, proof.body.checkpoint, verifier).checkpoint
      expect(opened.size).toBe(proof.body.tree_size)
      verifyInclusion(
        hasher,
        proof.body.seq,
        proof.body.tree_size,
        fromBase64(leafHashOf(events[0] as StoredEvent)) as Uint8Array,
        proof.body.proof.map((hash) => fromBase64(hash) as Uint8Array),
        opened.rootHash,
      )

      // The latest checkpoint (signed every 100 ms) covers all six events.
      let latest = opened
      for (let i = 0; i < 50 && latest.size < 6; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100))
        const note = await call<string>(`${server.url}/v1/checkpoints/latest`, token)
        latest = openCheckpoint(nodeCrypto, note.body, verifier).checkpoint
      }
      expect(latest.size).toBe(6)
      firstCheckpoint = { size: latest.size, root: latest.rootHash }

      keyFile = await readFile(join(dataDir, 'signing.key'), 'utf8')
    } finally {
      server.child.kill('SIGTERM')
    }
    expect(await server.exited).toBe(0)
  })

  it('keeps everything across a restart on the same data directory, with the same key', async () => {
    const server = await serve(dataDir)
    try {
      const out = server.stdout()
      expect(out).not.toContain('(created now)')
      expect(out).toContain(vkey) // every log's verifier key is printed at start
      expect(await readFile(join(dataDir, 'signing.key'), 'utf8')).toBe(keyFile)

      const devices = await call<{ devices: { serial_number: string }[] }>(
        `${server.url}/devices`,
        token,
      )
      expect(devices.body.devices.map((d) => d.serial_number)).toEqual(['E2E-1', 'E2E-2'])
      expect((await call<{ vkey: string }>(`${server.url}/v1/log`, token)).body.vkey).toBe(vkey)

      // One more event; the new checkpoint is consistent with the one before the restart.
      await call(`${server.url}/devices`, token, {
        method: 'POST',
        body: { serial_number: 'E2E-4' },
      })
      await eventsWhenSealed(server.url, token, 7)
      const verifier = parseVerifierKey(nodeCrypto, vkey)
      let latest: { size: number; rootHash: Uint8Array } = { size: 0, rootHash: new Uint8Array() }
      for (let i = 0; i < 50 && latest.size < 7; i++) {
        const note = await call<string>(`${server.url}/v1/checkpoints/latest`, token)
        latest = openCheckpoint(nodeCrypto, note.body, verifier).checkpoint
        if (latest.size < 7) await new Promise((resolve) => setTimeout(resolve, 100))
      }
      expect(latest.size).toBe(7)
      const consistency = await call<{ proof: string[] }>(
        `${server.url}/v1/proofs/consistency?from=${firstCheckpoint.size}&to=7`,
        token,
      )
      verifyConsistency(
        hasher,
        firstCheckpoint.size,
        7,
        consistency.body.proof.map((hash) => fromBase64(hash) as Uint8Array),
        firstCheckpoint.root,
        latest.rootHash,
      )
    } finally {
      server.child.kill('SIGTERM')
    }
    expect(await server.exited).toBe(0)
  })
})
