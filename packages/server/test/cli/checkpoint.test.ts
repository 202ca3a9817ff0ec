// `auditseal checkpoint --url … --vkey …` as built, against a stand-in for the audit API that
// serves one signed checkpoint: a bad --vkey is named as the flag, as `verify` names it.

import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signCheckpoint } from '@auditseal/core'
import { nodeCrypto } from '../../src/crypto/node-crypto.js'
import { LogKeys } from '../../src/store/log-keys.js'

const CLI = new URL('../../dist/cli.js', import.meta.url).pathname
const TENANT = '0190b6a4-7e5c-7000-8000-00000000c4ec'
const keys = new LogKeys(nodeCrypto, 'auditseal.local', randomBytes(32))
const note = signCheckpoint(keys.signer(TENANT), {
  origin: keys.origin(TENANT),
  size: 1,
  rootHash: new Uint8Array(32),
})

let server: Server
let url: string

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url !== '/v1/checkpoints/latest') {
      response.writeHead(404).end()
      return
    }
    response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(note)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise((resolve) => server?.close(resolve)))

async function checkpoint(vkey: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env }
  delete env.AUDITSEAL_VKEY
  delete env.AUDITSEAL_TOKEN
  const args = [CLI, 'checkpoint', '--url', url, '--token', 'k', '--vkey', vkey]
  try {
    return { code: 0, ...(await promisify(execFile)('node', args, { env })) }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

describe('auditseal checkpoint --vkey', () => {
  it('checks the signature with the tenant’s verifier key', async () => {
    const result = await checkpoint(keys.verifierKey(TENANT))
    expect(result).toEqual({
      code: 0,
      stdout: note,
      stderr: `auditseal: checkpoint of ${keys.origin(TENANT)} at size 1; signature verified\n`,
    })
  })

  it('exits 2 naming the flag when the key is malformed', async () => {
    expect(await checkpoint('garbage')).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'auditseal: --vkey: verifier key "garbage" is not of the form <name>+<hex8>+<base64>\n',
    })
  })
})
