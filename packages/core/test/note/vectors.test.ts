// Runs the language-neutral vectors of testdata/notes.json against the implementation.
import { describe, expect, it } from 'vitest'
import {
  deriveSigner,
  formatKeyId,
  fromBase64,
  fromHex,
  keyRef,
  nobleCrypto,
  openCheckpoint,
  openNote,
  parseCheckpoint,
  parsePrivateKey,
  parseVerifierKey,
  signNote,
  toBase64,
  toHex,
  verifierKeyString,
} from '@auditseal/core'
import { messageBytesOf, messageOf, thrown, vectors, verifierOf } from './vectors.js'

const crypto = nobleCrypto

describe('testdata/notes.json keys', () => {
  for (const [id, key] of Object.entries(vectors.keys)) {
    it(`parses the ${id} verifier key and writes it back byte for byte`, () => {
      const parsed = parseVerifierKey(crypto, key.vkey)
      expect(parsed.name).toBe(key.name)
      expect(formatKeyId(parsed.keyId)).toBe(key.keyId)
      if (key.publicKeyHex !== undefined) expect(toHex(parsed.publicKey)).toBe(key.publicKeyHex)
      expect(verifierKeyString(parsed.name, parsed.keyId, parsed.publicKey)).toBe(key.vkey)
    })
  }

  it('derives the auditseal tenant key from the log key', () => {
    const key = vectors.keys.auditseal
    if (key?.skey === undefined || key.seedHex === undefined) throw new Error('missing vector')
    const logKey = parsePrivateKey(crypto, key.skey)
    expect(toHex(logKey.seed)).toBe(key.seedHex)
    expect(formatKeyId(logKey.keyId)).toBe(key.logKeyId)
    const tenant = deriveSigner(crypto, logKey.seed, key.name)
    expect(verifierKeyString(tenant.name, tenant.keyId, tenant.publicKey)).toBe(key.vkey)
  })

  for (const vkey of vectors.verifierKeys.valid) {
    it(`accepts the verifier key ${vkey}`, () => {
      expect(parseVerifierKey(crypto, vkey).name).toBe(vkey.slice(0, vkey.indexOf('+')))
    })
  }
  for (const { why, vkey } of vectors.verifierKeys.invalid) {
    it(`rejects a verifier key with ${why}`, () => {
      expect(thrown(() => parseVerifierKey(crypto, vkey)).code).toBe('MALFORMED_KEY')
    })
  }
  for (const skey of vectors.privateKeys.valid) {
    it(`accepts a private key named ${skey.split('+')[2]}`, () => {
      expect(parsePrivateKey(crypto, skey).seed).toHaveLength(32)
    })
  }
  for (const { why, skey } of vectors.privateKeys.invalid) {
    it(`rejects a private key with ${why}`, () => {
      expect(thrown(() => parsePrivateKey(crypto, skey)).code).toBe('MALFORMED_KEY')
    })
  }
})

describe('testdata/notes.json signing', () => {
  for (const vector of vectors.signing) {
    it(`reproduces ${vector.name}`, () => {
      const key = vectors.keys[vector.key]
      if (key?.skey === undefined) throw new Error(`key ${vector.key} has no skey`)
      const signer = deriveSigner(crypto, parsePrivateKey(crypto, key.skey).seed, key.name)
      expect(signNote(vector.text, [signer])).toBe(vector.message)
    })
  }
})

describe('testdata/notes.json notes', () => {
  for (const vector of vectors.notes) {
    const verifiers = vector.verifiers.map(verifierOf)
    if (vector.error === undefined) {
      it(`opens ${vector.name}`, () => {
        for (const message of [messageOf(vector), messageBytesOf(vector)]) {
          const opened = openNote(crypto, message, verifiers)
          expect(opened.text).toBe(vector.text)
          expect(opened.signatures.map((s) => keyRef(s.name, s.keyId))).toEqual(vector.signatures)
          expect(opened.unverified.map((s) => keyRef(s.name, s.keyId))).toEqual(vector.unverified)
        }
      })
    } else {
      it(`rejects ${vector.name} with ${vector.error}`, () => {
        expect(thrown(() => openNote(crypto, messageOf(vector), verifiers)).code).toBe(vector.error)
        expect(thrown(() => openNote(crypto, messageBytesOf(vector), verifiers)).code).toBe(
          vector.error,
        )
      })
    }
  }
})

describe('testdata/notes.json checkpoints', () => {
  for (const vector of vectors.checkpoints.valid) {
    it(`parses ${vector.name}`, () => {
      const checkpoint = parseCheckpoint(vector.text)
      expect(checkpoint.origin).toBe(vector.origin)
      expect(checkpoint.size).toBe(vector.size)
      expect(toBase64(checkpoint.rootHash)).toBe(vector.rootHash)
      expect(checkpoint.extensions).toEqual(vector.extensions)
    })
  }
  for (const { why, text } of vectors.checkpoints.invalid) {
    it(`rejects a checkpoint with ${why}`, () => {
      expect(thrown(() => parseCheckpoint(text)).code).toBe('MALFORMED_CHECKPOINT')
    })
  }
  for (const vector of vectors.signedCheckpoints) {
    const verifier = verifierOf(vector.key)
    if (vector.error === undefined) {
      it(`opens ${vector.name}`, () => {
        const { checkpoint, signatures } = openCheckpoint(crypto, vector.note, verifier)
        expect(checkpoint.origin).toBe(vector.origin)
        expect(checkpoint.size).toBe(vector.size)
        expect(checkpoint.rootHash).toEqual(fromBase64(vector.rootHash ?? ''))
        expect(signatures.map((s) => s.keyId)).toEqual([verifier.keyId])
      })
    } else {
      it(`rejects ${vector.name} with ${vector.error}`, () => {
        expect(thrown(() => openCheckpoint(crypto, vector.note, verifier)).code).toBe(vector.error)
      })
    }
  }
})

describe('the vectors themselves', () => {
  it('hold the spec keys at their published values', () => {
    expect(vectors.keys.spec?.vkey).toBe(
      'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k',
    )
    expect(vectors.keys.peter?.vkey).toBe(
      'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW',
    )
    expect(toHex(fromHex(vectors.keys.auditseal?.seedHex ?? ''))).toHaveLength(64)
  })
})
