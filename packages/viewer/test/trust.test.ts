// What the browser pins: per tenant, so a server that names a new origin for the tenant (or
// one that only looks like the old) is a changed key, never a new log trusted on first use.

import { deriveSigner, logOrigin, nobleCrypto, verifierKeyString } from '@auditseal/core'
import { describe, expect, it } from 'vitest'
import { credentialIdentity, parseCredential } from '../src/state/credential.js'
import { TrustStore } from '../src/verify/trust-store.js'
import { resolveVerifierKey, VerifierKeyError } from '../src/verify/verifier-key.js'
import { TENANT } from './support/signed-log.js'

/** localStorage's interface over a Map. */
class MemoryStorage implements Storage {
  readonly #items = new Map<string, string>()
  get length(): number {
    return this.#items.size
  }
  clear(): void {
    this.#items.clear()
  }
  getItem(key: string): string | null {
    return this.#items.get(key) ?? null
  }
  key(index: number): string | null {
    return [...this.#items.keys()][index] ?? null
  }
  removeItem(key: string): void {
    this.#items.delete(key)
  }
  setItem(key: string, value: string): void {
    this.#items.set(key, value)
  }
}

function keyOf(origin: string, fill: number): string {
  const signer = deriveSigner(nobleCrypto, new Uint8Array(32).fill(fill), origin)
  return verifierKeyString(origin, signer.keyId, signer.publicKey)
}

const GENUINE = logOrigin('auditseal.test', TENANT)

describe('the verifier key pinned for a tenant', () => {
  it('is pinned on first sight, then kept', () => {
    const trust = new TrustStore(new MemoryStorage())
    const first = resolveVerifierKey(trust, TENANT, GENUINE, keyOf(GENUINE, 1))
    expect(first.state).toBe('pinned_now')
    expect(resolveVerifierKey(trust, TENANT, GENUINE, keyOf(GENUINE, 1)).state).toBe('pinned')
  })

  it.each([
    ['another origin with its own key', 'evil.example'],
    ['an origin that only looks like the genuine one', 'auditseal.test\u200b'],
  ])('is changed, not trusted anew, when the server names %s', (_, name) => {
    const trust = new TrustStore(new MemoryStorage())
    resolveVerifierKey(trust, TENANT, GENUINE, keyOf(GENUINE, 1))
    const origin = logOrigin(name, TENANT)
    const resolution = resolveVerifierKey(trust, TENANT, origin, keyOf(origin, 2))
    expect(resolution.state).toBe('changed')
    expect(resolution.verifier.name).toBe(GENUINE) // the pinned key still verifies
  })

  it('refuses a served key of another tenant’s log', () => {
    const trust = new TrustStore(new MemoryStorage())
    const other = logOrigin('auditseal.test', '00000000-0000-4000-8000-000000000001')
    expect(() => resolveVerifierKey(trust, TENANT, other, keyOf(other, 1))).toThrow(
      VerifierKeyError,
    )
  })

  it('takes over what an earlier version pinned for an origin of the tenant, with its checkpoint', () => {
    const storage = new MemoryStorage()
    storage.setItem(
      `auditseal.viewer.v1.key:${GENUINE}`,
      JSON.stringify({ vkey: keyOf(GENUINE, 1), pinnedAt: '2024-06-01T00:00:00.000Z' }),
    )
    const checkpoint = { size: 3, rootHash: 'AAAA', note: 'n', verifiedAt: '2024-06-02T00:00:00Z' }
    storage.setItem(`auditseal.viewer.v1.checkpoint:${GENUINE}`, JSON.stringify(checkpoint))
    const trust = new TrustStore(storage)
    const resolution = resolveVerifierKey(trust, TENANT, GENUINE, keyOf(GENUINE, 1))
    expect(resolution.state).toBe('pinned')
    expect(trust.trustedCheckpoint(TENANT)).toEqual(checkpoint)
  })

  it('does not choose between keys an earlier version pinned under several origins', () => {
    const storage = new MemoryStorage()
    const evil = logOrigin('evil.example', TENANT)
    for (const [origin, fill] of [
      [evil, 2],
      [GENUINE, 1],
    ] as const) {
      storage.setItem(
        `auditseal.viewer.v1.key:${origin}`,
        JSON.stringify({ vkey: keyOf(origin, fill), pinnedAt: '2024-06-01T00:00:00.000Z' }),
      )
    }
    const trust = new TrustStore(storage)
    expect(() => resolveVerifierKey(trust, TENANT, GENUINE, keyOf(GENUINE, 1))).toThrow(
      /pinned different keys for tenant .* under several origins/,
    )
    expect(storage.getItem(`auditseal.viewer.v2.key:${TENANT}`)).toBeNull()
  })
})

describe('the tenant an API key was used with', () => {
  const key = `ask_${'ab'.repeat(12)}_${'x'.repeat(43)}`

  it('is remembered under a hash of the key id, never the secret', () => {
    const storage = new MemoryStorage()
    const trust = new TrustStore(storage)
    const identity = credentialIdentity(parseCredential(key)) as string
    expect(identity).toMatch(/^[0-9a-f]{64}$/)
    // Another secret of the same key id is the same key.
    expect(credentialIdentity(parseCredential(`ask_${'ab'.repeat(12)}_${'y'.repeat(43)}`))).toBe(
      identity,
    )
    expect(trust.credentialTenant(identity)).toBeUndefined()
    trust.rememberCredentialTenant(identity, TENANT)
    expect(trust.credentialTenant(identity)).toBe(TENANT)
    const stored = JSON.stringify([...Array(storage.length).keys()].map((i) => storage.key(i)))
    expect(stored).not.toContain('ab'.repeat(12))
  })

  it('is not kept for a JWT, which names its tenant itself', () => {
    const jwt = `${btoa('{"alg":"HS256"}')}.${btoa(`{"sub":"a","tenant_id":"${TENANT}"}`)}.sig`
    expect(credentialIdentity(parseCredential(jwt))).toBeUndefined()
  })
})
