import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  deriveSigner,
  nobleCrypto,
  openCheckpoint,
  parsePrivateKey,
  signCheckpoint,
  signNote,
  utf8,
  verifierFor,
} from '@auditseal/core'
import { nodeCrypto } from '../src/crypto/node-crypto.js'

const seeds = [
  new Uint8Array(32),
  Uint8Array.from({ length: 32 }, (_, i) => i),
  new Uint8Array(32).fill(0xff),
  new Uint8Array(randomBytes(32)),
  new Uint8Array(randomBytes(32)),
]
const messages = [new Uint8Array(0), utf8('hi'), new Uint8Array(randomBytes(1000))]

describe('nodeCrypto agrees with nobleCrypto', () => {
  it('on SHA-256', () => {
    for (const data of [...messages, new Uint8Array(randomBytes(100_000))]) {
      expect(nodeCrypto.sha256(data)).toEqual(nobleCrypto.sha256(data))
    }
    expect(Buffer.from(nodeCrypto.sha256(new Uint8Array(0))).toString('hex')).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    )
  })

  it('on SHA-256 digests kept side by side: each its own 32 bytes', () => {
    // Digests live in Buffer's shared pool; a thousand cross several of its slabs.
    const inputs = Array.from({ length: 1000 }, (_, i) => utf8(`event ${i}`))
    const digests = inputs.map((d) => nodeCrypto.sha256(d))
    digests[500]!.fill(0) // a caller scribbling on one digest leaves its neighbours alone
    for (const [i, digest] of digests.entries()) {
      expect(digest.byteLength).toBe(32)
      if (i !== 500) expect(digest).toEqual(nobleCrypto.sha256(inputs[i]!))
    }
  })

  it('on public keys and signatures, and each verifies the other', () => {
    for (const seed of seeds) {
      const publicKey = nodeCrypto.ed25519.publicKeyFromSeed(seed)
      expect(publicKey).toEqual(nobleCrypto.ed25519.publicKeyFromSeed(seed))
      for (const message of messages) {
        const signature = nodeCrypto.ed25519.sign(seed, message)
        expect(signature).toEqual(nobleCrypto.ed25519.sign(seed, message))
        expect(nobleCrypto.ed25519.verify(publicKey, message, signature)).toBe(true)
        expect(
          nodeCrypto.ed25519.verify(publicKey, message, nobleCrypto.ed25519.sign(seed, message)),
        ).toBe(true)
      }
    }
  })

  it("reproduces Go's PeterNeumann signature", () => {
    const key = parsePrivateKey(
      nodeCrypto,
      'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz',
    )
    const text =
      'If you think cryptography is the answer to your problem,\n' +
      "then you don't know what your problem is.\n"
    expect(signNote(text, [deriveSigner(nodeCrypto, key.seed, key.name)])).toBe(
      `${text}\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`,
    )
  })

  it('on checkpoints signed by one and opened by the other', () => {
    const origin = 'auditseal.local/0190c2a4-5b6e-7c3d-8e9f-a0b1c2d3e4f5'
    const input = { origin, size: 7, rootHash: nodeCrypto.sha256(utf8('root')) }
    const seed = seeds[3] as Uint8Array
    const byNode = signCheckpoint(deriveSigner(nodeCrypto, seed, origin), input)
    const byNoble = signCheckpoint(deriveSigner(nobleCrypto, seed, origin), input)
    expect(byNode).toBe(byNoble)
    expect(
      openCheckpoint(nobleCrypto, byNode, verifierFor(nodeCrypto, seed, origin)).checkpoint.size,
    ).toBe(7)
    expect(
      openCheckpoint(nodeCrypto, byNoble, verifierFor(nobleCrypto, seed, origin)).checkpoint.size,
    ).toBe(7)
  })
})

describe('nodeCrypto.ed25519.verify', () => {
  const seed = seeds[1] as Uint8Array
  const publicKey = nodeCrypto.ed25519.publicKeyFromSeed(seed)
  const message = utf8('hi')
  const signature = nodeCrypto.ed25519.sign(seed, message)

  it('rejects a changed message, signature or key', () => {
    expect(nodeCrypto.ed25519.verify(publicKey, utf8('ho'), signature)).toBe(false)
    for (const i of [0, 31, 32, 63]) {
      const bad = signature.slice()
      bad[i] = (bad[i] as number) ^ 1
      expect(nodeCrypto.ed25519.verify(publicKey, message, bad)).toBe(false)
    }
    const otherKey = nodeCrypto.ed25519.publicKeyFromSeed(seeds[2] as Uint8Array)
    expect(nodeCrypto.ed25519.verify(otherKey, message, signature)).toBe(false)
  })

  it('returns false, never throws, on malformed input', () => {
    expect(nodeCrypto.ed25519.verify(publicKey.slice(1), message, signature)).toBe(false)
    expect(nodeCrypto.ed25519.verify(publicKey, message, signature.slice(1))).toBe(false)
    expect(nodeCrypto.ed25519.verify(new Uint8Array(0), message, new Uint8Array(0))).toBe(false)
    expect(nodeCrypto.ed25519.verify(new Uint8Array(32).fill(0xff), message, signature)).toBe(false)
    expect(nodeCrypto.ed25519.verify(publicKey, message, new Uint8Array(64).fill(0xff))).toBe(false)
  })

  it('agrees with nobleCrypto on a signature whose S is not reduced (RFC 8032 §5.1.7)', () => {
    // S + L, where L is the group order: the same point equation, but not canonical.
    const L = 2n ** 252n + 27742317777372353535851937790883648493n
    let s = 0n
    for (let i = 63; i >= 32; i--) s = s * 256n + BigInt(signature[i] as number)
    s += L
    const malleated = signature.slice()
    for (let i = 32; i < 64; i++) {
      malleated[i] = Number(s % 256n)
      s /= 256n
    }
    expect(nodeCrypto.ed25519.verify(publicKey, message, malleated)).toBe(false)
    expect(nobleCrypto.ed25519.verify(publicKey, message, malleated)).toBe(false)
  })
})

describe('nodeCrypto key caches', () => {
  it('return plain Uint8Arrays the caller may modify without harm', () => {
    const seed = seeds[1] as Uint8Array
    const first = nodeCrypto.ed25519.publicKeyFromSeed(seed)
    expect(first.constructor).toBe(Uint8Array)
    expect(nodeCrypto.sha256(first).constructor).toBe(Uint8Array)
    expect(nodeCrypto.ed25519.sign(seed, first).constructor).toBe(Uint8Array)
    first.fill(0)
    expect(nodeCrypto.ed25519.publicKeyFromSeed(seed)).toEqual(
      nobleCrypto.ed25519.publicKeyFromSeed(seed),
    )
  })

  it('follow the content of a reused buffer, not its identity', () => {
    const seed = new Uint8Array(32).fill(1)
    const before = nodeCrypto.ed25519.publicKeyFromSeed(seed)
    seed.fill(2)
    expect(nodeCrypto.ed25519.publicKeyFromSeed(seed)).not.toEqual(before)
    expect(nodeCrypto.ed25519.sign(seed, utf8('m'))).toEqual(
      nobleCrypto.ed25519.sign(seed, utf8('m')),
    )
  })

  it('stay correct past their bound', () => {
    const many = Array.from({ length: 600 }, () => new Uint8Array(randomBytes(32)))
    const keys = many.map((seed) => nodeCrypto.ed25519.publicKeyFromSeed(seed))
    const message = utf8('bounded')
    many.forEach((seed, i) => {
      const signature = nodeCrypto.ed25519.sign(seed, message)
      expect(nodeCrypto.ed25519.verify(keys[i] as Uint8Array, message, signature)).toBe(true)
    })
    expect(nodeCrypto.ed25519.publicKeyFromSeed(many[0] as Uint8Array)).toEqual(keys[0])
  })

  it('refuse a seed of the wrong size', () => {
    expect(() => nodeCrypto.ed25519.sign(new Uint8Array(31), utf8('m'))).toThrow(
      'Ed25519 seed is 31 bytes, not 32',
    )
  })
})
