import { describe, expect, it } from 'vitest'
import {
  deriveSigner,
  encodePrivateKey,
  formatKeyId,
  generateSigningKey,
  isValidKeyName,
  keyIdFor,
  nobleCrypto,
  parsePrivateKey,
  parseVerifierKey,
  signerFromKey,
  utf8,
  verifierFor,
  verifierFromPublicKey,
  verifierKeyForName,
  verifierKeyString,
} from '@auditseal/core'
import { thrown, vectors } from './vectors.js'

const crypto = nobleCrypto
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'
const PETER_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz'
const seed = (byte: number) => new Uint8Array(32).fill(byte)

describe('keyIdFor', () => {
  it('is SHA-256(name || 0x0A || 0x01 || key)[:4] big-endian: the signed-note example', () => {
    const spec = parseVerifierKey(crypto, vectors.keys.spec?.vkey ?? '')
    expect(formatKeyId(keyIdFor(crypto, 'example.com/foo', spec.publicKey))).toBe('530d903a')
  })

  it('uses all 32 bits: a key ID above 2^31 stays positive', () => {
    expect(parseVerifierKey(crypto, PETER_VKEY).keyId).toBe(0xc74f20a3)
  })

  it('differs per name for the same key, which is how each tenant gets its own ID', () => {
    const a = verifierFor(crypto, seed(7), 'auditseal.local/tenant-a')
    const b = verifierFor(crypto, seed(7), 'auditseal.local/tenant-b')
    expect(a.publicKey).toEqual(b.publicKey)
    expect(a.keyId).not.toBe(b.keyId)
  })
})

describe('isValidKeyName', () => {
  it.each(['a', 'example.com/foo', 'auditseal.local/0190c2a4-5b6e', 'ünïcode', 'a\u200bb'])(
    'accepts %j',
    (name) => expect(isValidKeyName(name)).toBe(true),
  )

  it.each([
    '',
    'a+b',
    'a b',
    'a\tb',
    'a\nb',
    'a\u00a0b', // no-break space
    'a\u0085b', // next line
    'a\u2003b', // em space
    'a\u3000b', // ideographic space
    'a\ud800b', // unpaired surrogate: not UTF-8
  ])('rejects %j', (name) => expect(isValidKeyName(name)).toBe(false))
})

describe('private keys', () => {
  it("parses Go's example key and derives its verifier key", () => {
    const key = parsePrivateKey(crypto, PETER_SKEY)
    expect(key.name).toBe('PeterNeumann')
    expect(formatKeyId(key.keyId)).toBe('c74f20a3')
    expect(verifierKeyString(key.name, key.keyId, key.publicKey)).toBe(PETER_VKEY)
    expect(encodePrivateKey(key)).toBe(PETER_SKEY)
  })

  it('round-trips a generated key', () => {
    const key = generateSigningKey(crypto, 'auditseal.local', seed(42))
    const text = encodePrivateKey(key)
    expect(text).toMatch(/^PRIVATE\+KEY\+auditseal\.local\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/)
    expect(parsePrivateKey(crypto, text)).toEqual(key)
  })

  it('rejects every truncation and every one-byte change, as Go does (TestNewSigner)', () => {
    for (let i = 0; i <= PETER_SKEY.length; i++) {
      for (let j = i + 1; j <= PETER_SKEY.length; j++) {
        if (i === 0 && j === PETER_SKEY.length) continue
        expect(() => parsePrivateKey(crypto, PETER_SKEY.slice(i, j))).toThrow()
      }
    }
    for (let i = 0; i < PETER_SKEY.length; i++) {
      const changed = bump(PETER_SKEY, i)
      expect(thrown(() => parsePrivateKey(crypto, changed)).code).toBe('MALFORMED_KEY')
    }
  })

  it('never echoes the secret in its errors', () => {
    const secret = 'AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz'
    for (const bad of [
      `PRIVATE+KEY+PeterNeumann+c74f20a4+${secret}`,
      `PRIVATE+KEY+Peter Neumann+c74f20a3+${secret}`,
      `PRIVATE+KEY+PeterNeumann+c74f20a3+${secret}x`,
      `PRIVATE+KEY+PeterNeumann+${secret}`,
    ]) {
      expect(thrown(() => parsePrivateKey(crypto, bad)).message).not.toContain('AYEK')
    }
  })

  it('requires a 32-byte seed and a valid name to generate a key', () => {
    expect(thrown(() => generateSigningKey(crypto, 'a', new Uint8Array(31))).message).toBe(
      'Ed25519 seed is 31 bytes, not 32',
    )
    expect(thrown(() => generateSigningKey(crypto, 'a b', seed(1))).code).toBe('INVALID_ARGUMENT')
  })
})

describe('verifier keys', () => {
  it('rejects every truncation and every one-byte change, as Go does (TestNewVerifier)', () => {
    for (let i = 0; i <= PETER_VKEY.length; i++) {
      for (let j = i + 1; j <= PETER_VKEY.length; j++) {
        if (i === 0 && j === PETER_VKEY.length) continue
        expect(thrown(() => parseVerifierKey(crypto, PETER_VKEY.slice(i, j))).code).toBe(
          'MALFORMED_KEY',
        )
      }
    }
    for (let i = 0; i < PETER_VKEY.length; i++) {
      expect(thrown(() => parseVerifierKey(crypto, bump(PETER_VKEY, i))).code).toBe('MALFORMED_KEY')
    }
  })

  it('says precisely what was wrong', () => {
    expect(thrown(() => parseVerifierKey(crypto, PETER_VKEY.replace('a3+', 'a4+'))).message).toBe(
      'verifier key ID c74f20a4 does not match the key (its ID is c74f20a3)',
    )
    expect(thrown(() => parseVerifierKey(crypto, PETER_VKEY.replace('+A', '+Ag'))).message).toMatch(
      /key data is not canonical base64$/,
    )
    expect(thrown(() => parseVerifierKey(crypto, 'PeterNeumann+c74f20a3+Ag==')).message).toMatch(
      /has algorithm 0x02, not 0x01 \(Ed25519\)$/,
    )
    expect(thrown(() => parseVerifierKey(crypto, 'PeterNeumann+c74f20a3+AQ==')).message).toBe(
      'verifier key data is 1 bytes, not 33',
    )
  })

  it('round-trips keys derived per name from one seed', () => {
    for (const name of ['auditseal.local/a', 'auditseal.local/b', 'log.example/ü']) {
      const vkey = verifierKeyForName(crypto, seed(3), name)
      const parsed = parseVerifierKey(crypto, vkey)
      expect(parsed).toEqual(verifierFor(crypto, seed(3), name))
      expect(parsed).toEqual(verifierFromPublicKey(crypto, name, parsed.publicKey))
    }
  })

  it('refuses to encode a bad name or key', () => {
    expect(thrown(() => verifierKeyString('a+b', 1, new Uint8Array(32))).code).toBe(
      'INVALID_ARGUMENT',
    )
    expect(thrown(() => verifierKeyString('a', 1, new Uint8Array(31))).message).toBe(
      'public key is 31 bytes, not 32',
    )
  })
})

describe('signers', () => {
  it('deriveSigner signs under the given name with the seed, verifiably', () => {
    const signer = deriveSigner(crypto, seed(9), 'auditseal.local/t1')
    const verifier = verifierFor(crypto, seed(9), 'auditseal.local/t1')
    expect({ name: signer.name, keyId: signer.keyId, publicKey: signer.publicKey }).toEqual(
      verifier,
    )
    const message = utf8('hi')
    const signature = signer.sign(message)
    expect(crypto.ed25519.verify(verifier.publicKey, message, signature)).toBe(true)
    signature[0] = (signature[0] as number) ^ 1
    expect(crypto.ed25519.verify(verifier.publicKey, message, signature)).toBe(false)
  })

  it('keeps working when the caller wipes its seed', () => {
    const mine = seed(5)
    const signer = deriveSigner(crypto, mine, 'n')
    const before = signer.sign(utf8('x'))
    mine.fill(0)
    expect(signer.sign(utf8('x'))).toEqual(before)
  })

  it('signerFromKey signs as the key names itself', () => {
    const key = parsePrivateKey(crypto, PETER_SKEY)
    const signer = signerFromKey(crypto, key)
    expect([signer.name, signer.keyId]).toEqual([key.name, key.keyId])
  })
})

/** `text` with the character at `i` replaced by the next code point. */
function bump(text: string, i: number): string {
  return text.slice(0, i) + String.fromCharCode(text.charCodeAt(i) + 1) + text.slice(i + 1)
}
