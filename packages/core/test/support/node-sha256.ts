// Node's native SHA-256 for the heavier property tests; the vector tests use the browser-safe
// provider, and a test below checks that the two agree.
import { createHash } from 'node:crypto'
import { createTreeHasher } from '@auditseal/core'

export const nodeSha256 = (data: Uint8Array): Uint8Array =>
  new Uint8Array(createHash('sha256').update(data).digest())

export const fastHasher = createTreeHasher({ sha256: nodeSha256 })
