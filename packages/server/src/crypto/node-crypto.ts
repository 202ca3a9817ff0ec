// The server's CryptoProvider: Node's native (OpenSSL) SHA-256 and Ed25519, several times
// faster than the pure-JavaScript provider the browser uses. Both must agree bit for bit.

import type { KeyObject } from 'node:crypto'
import { createPrivateKey, createPublicKey, hash, sign, verify } from 'node:crypto'
import type { CryptoProvider } from '@auditseal/core'

/** DER of an Ed25519 PKCS#8 PrivateKeyInfo (RFC 8410 §7) up to the 32-byte seed. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')
/** DER of an Ed25519 SubjectPublicKeyInfo (RFC 8410 §4) up to the 32-byte public key. */
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')

const SEED_SIZE = 32
const PUBLIC_KEY_SIZE = 32
const SIGNATURE_SIZE = 64

/**
 * Bound on each key cache. One seed signs every tenant's checkpoints, and verifiers mostly
 * meet that one public key and a few witnesses', so a handful of entries are hot; the bound
 * only stops a stream of distinct keys from growing memory without limit.
 */
const CACHE_LIMIT = 256

/** A Map that forgets its least recently used entry past `limit`. */
class BoundedCache<V> {
  private readonly entries = new Map<string, V>()

  constructor(private readonly limit: number) {}

  getOrCreate(key: string, create: () => V): V {
    const found = this.entries.get(key)
    if (found !== undefined) {
      this.entries.delete(key) // re-insert: Map iterates in insertion order
      this.entries.set(key, found)
      return found
    }
    const value = create()
    this.entries.set(key, value)
    if (this.entries.size > this.limit) {
      const oldest = this.entries.keys().next().value as string
      this.entries.delete(oldest)
    }
    return value
  }
}

interface PrivateEntry {
  privateKey: KeyObject
  publicKey: Uint8Array
}

const privateKeys = new BoundedCache<PrivateEntry>(CACHE_LIMIT)
const publicKeys = new BoundedCache<KeyObject>(CACHE_LIMIT)

function privateEntry(seed: Uint8Array): PrivateEntry {
  if (seed.length !== SEED_SIZE) {
    throw new TypeError(`Ed25519 seed is ${seed.length} bytes, not ${SEED_SIZE}`)
  }
  // Keyed by content, not identity, so a caller that reuses a buffer never signs with a
  // stale key.
  return privateKeys.getOrCreate(Buffer.from(seed).toString('hex'), () => {
    const der = Buffer.concat([PKCS8_ED25519_PREFIX, seed])
    const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
    der.fill(0) // the KeyObject holds its own copy of the seed
    const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' })
    return { privateKey, publicKey: new Uint8Array(spki.subarray(SPKI_ED25519_PREFIX.length)) }
  })
}

function publicKeyObject(publicKey: Uint8Array): KeyObject {
  return publicKeys.getOrCreate(Buffer.from(publicKey).toString('hex'), () =>
    createPublicKey({
      key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]),
      format: 'der',
      type: 'spki',
    }),
  )
}

/** Node's built-in crypto as a CryptoProvider; returns plain Uint8Arrays, never Buffers. */
export const nodeCrypto: CryptoProvider = {
  sha256: (data) => {
    // The one-shot hash (Node >= 20.12) costs half of createHash().update().digest() on
    // event-sized inputs. Its digest is taken as a 32-character latin1 string and copied into
    // Buffer's shared pool: a digest returned as a Buffer is an ArrayBuffer of its own, which
    // the garbage collector must track and free one by one — that took more CPU than the
    // hashing itself (2.2–2.9 vs 1.3 µs per hash; most of the sealer's collection time).
    // The result is a plain Uint8Array over 32 bytes of the pool.
    const digest = Buffer.from(hash('sha256', data, 'binary'), 'latin1') // 'binary' is latin1
    return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength)
  },
  ed25519: {
    publicKeyFromSeed: (seed) => privateEntry(seed).publicKey.slice(),
    sign: (seed, message) => new Uint8Array(sign(null, message, privateEntry(seed).privateKey)),
    verify: (publicKey, message, signature) => {
      if (publicKey.length !== PUBLIC_KEY_SIZE || signature.length !== SIGNATURE_SIZE) return false
      try {
        return verify(null, message, publicKeyObject(publicKey), signature)
      } catch {
        return false // e.g. a public key OpenSSL cannot decode
      }
    },
  },
}
