// Ed25519 keys for signed notes: key names, key IDs, and the text encodings of verifier keys
// ("<name>+<hex8>+<base64>") and signer keys ("PRIVATE+KEY+<name>+<hex8>+<base64>") used by
// golang.org/x/mod/sumdb/note and c2sp.org/signed-note.

import { concatBytes, fromBase64, toBase64, utf8 } from '../bytes.js'
import type { CryptoProvider } from '../crypto/provider.js'
import { AuditsealError } from '../errors.js'
import { isWellFormed, quote } from './text.js'

/** Signature type byte of Ed25519 (c2sp.org/signed-note §Signature types). */
export const ED25519_ALGORITHM = 0x01

const SEED_SIZE = 32
const PUBLIC_KEY_SIZE = 32
const PRIVATE_KEY_PREFIX = 'PRIVATE+KEY+'

/** A key that can check signatures: what a verifier key string encodes. */
export interface VerifierKey {
  /** The key name; in auditseal, a tenant log's origin. */
  readonly name: string
  /** uint32 key ID, see keyIdFor. */
  readonly keyId: number
  /** 32-byte Ed25519 public key (RFC 8032). */
  readonly publicKey: Uint8Array
}

/** A named Ed25519 key pair: what a PRIVATE+KEY string encodes. Keep it secret. */
export interface SigningKey extends VerifierKey {
  /** 32-byte Ed25519 private seed (RFC 8032). */
  readonly seed: Uint8Array
}

/** Signs note texts under one key name. `sign` returns the 64-byte Ed25519 signature. */
export interface Signer extends VerifierKey {
  sign(message: Uint8Array): Uint8Array
}

const WHITE_SPACE_OR_PLUS = /[\p{White_Space}+]/u

/**
 * isValidKeyName reports whether `name` may name a key: non-empty, valid UTF-8, with neither
 * Unicode spaces nor '+' (c2sp.org/signed-note §Format; Go's note.isValidName, whose
 * unicode.IsSpace is exactly the Unicode White_Space property).
 */
export function isValidKeyName(name: string): boolean {
  return name !== '' && !WHITE_SPACE_OR_PLUS.test(name) && isWellFormed(name)
}

/**
 * keyIdFor computes the key ID of an Ed25519 key:
 * SHA-256(key name || 0x0A || 0x01 || 32-byte public key)[:4], read as a big-endian uint32
 * (c2sp.org/signed-note §Ed25519 signatures). The ID depends on the name, so one key pair
 * has a different ID under each name.
 */
export function keyIdFor(crypto: CryptoProvider, name: string, publicKey: Uint8Array): number {
  const digest = crypto.sha256(
    concatBytes(utf8(name), Uint8Array.of(0x0a, ED25519_ALGORITHM), publicKey),
  )
  return readUint32(digest, 0)
}

/** formatKeyId renders a key ID as 8 lowercase hex digits, as in key strings. */
export function formatKeyId(keyId: number): string {
  return keyId.toString(16).padStart(8, '0')
}

/**
 * generateSigningKey names a key pair. The caller supplies `seed` (32 random bytes) because
 * the core never does I/O, randomness included.
 */
export function generateSigningKey(
  crypto: CryptoProvider,
  name: string,
  seed: Uint8Array,
): SigningKey {
  requireName(name)
  requireSeed(seed)
  const publicKey = crypto.ed25519.publicKeyFromSeed(seed)
  return { name, keyId: keyIdFor(crypto, name, publicKey), seed: seed.slice(), publicKey }
}

/** encodePrivateKey returns `PRIVATE+KEY+<name>+<hex8>+base64(0x01 || seed)`, as Go's GenerateKey. */
export function encodePrivateKey(key: SigningKey): string {
  requireName(key.name)
  requireSeed(key.seed)
  const data = toBase64(concatBytes(Uint8Array.of(ED25519_ALGORITHM), key.seed))
  return `${PRIVATE_KEY_PREFIX}${key.name}+${formatKeyId(key.keyId)}+${data}`
}

/**
 * parsePrivateKey decodes a signer key string (Go's note.NewSigner), and checks that its key
 * ID is the one of the public key derived from the seed. Error messages never quote the
 * input: it is secret.
 */
export function parsePrivateKey(crypto: CryptoProvider, text: string): SigningKey {
  if (!text.startsWith(PRIVATE_KEY_PREFIX)) {
    throw malformedKey('private key does not start with "PRIVATE+KEY+"')
  }
  const fields = splitKeyString(text.slice(PRIVATE_KEY_PREFIX.length), 'private key', false)
  if (fields.data.length !== 1 + SEED_SIZE) {
    throw malformedKey(`private key data is ${fields.data.length} bytes, not ${1 + SEED_SIZE}`)
  }
  const seed = fields.data.slice(1)
  const publicKey = crypto.ed25519.publicKeyFromSeed(seed)
  if (keyIdFor(crypto, fields.name, publicKey) !== fields.keyId) {
    throw malformedKey('private key ID does not match the key')
  }
  return { name: fields.name, keyId: fields.keyId, seed, publicKey }
}

/** verifierKeyString returns `<name>+<hex8>+base64(0x01 || publicKey)`. */
export function verifierKeyString(name: string, keyId: number, publicKey: Uint8Array): string {
  requireName(name)
  if (publicKey.length !== PUBLIC_KEY_SIZE) {
    throw new AuditsealError('INVALID_ARGUMENT', `public key is ${publicKey.length} bytes, not 32`)
  }
  const data = toBase64(concatBytes(Uint8Array.of(ED25519_ALGORITHM), publicKey))
  return `${name}+${formatKeyId(keyId)}+${data}`
}

/**
 * parseVerifierKey decodes a verifier key string (Go's note.NewVerifier), strictly: exactly 8
 * lowercase hex digits, canonical base64, algorithm 0x01, a 32-byte key, and a key ID equal
 * to keyIdFor(name, key). (Go also accepts uppercase hex and non-canonical base64.)
 */
export function parseVerifierKey(crypto: CryptoProvider, text: string): VerifierKey {
  const fields = splitKeyString(text, 'verifier key', true)
  if (fields.data.length !== 1 + PUBLIC_KEY_SIZE) {
    throw malformedKey(
      `verifier key data is ${fields.data.length} bytes, not ${1 + PUBLIC_KEY_SIZE}`,
    )
  }
  const publicKey = fields.data.slice(1)
  const expected = keyIdFor(crypto, fields.name, publicKey)
  if (expected !== fields.keyId) {
    throw malformedKey(
      `verifier key ID ${formatKeyId(fields.keyId)} does not match the key (its ID is ${formatKeyId(expected)})`,
    )
  }
  return { name: fields.name, keyId: fields.keyId, publicKey }
}

/** verifierFromPublicKey names an Ed25519 public key, computing its key ID for that name. */
export function verifierFromPublicKey(
  crypto: CryptoProvider,
  name: string,
  publicKey: Uint8Array,
): VerifierKey {
  requireName(name)
  if (publicKey.length !== PUBLIC_KEY_SIZE) {
    throw new AuditsealError('INVALID_ARGUMENT', `public key is ${publicKey.length} bytes, not 32`)
  }
  return { name, keyId: keyIdFor(crypto, name, publicKey), publicKey: publicKey.slice() }
}

/**
 * deriveSigner returns a Signer of `seed` under `name`. auditseal signs every tenant's log
 * with one seed, but each signature carries the tenant's origin as its key name, so each
 * tenant has its own key ID (docs/architecture.md §3). Create it once per tenant and reuse it.
 */
export function deriveSigner(crypto: CryptoProvider, seed: Uint8Array, name: string): Signer {
  requireName(name)
  requireSeed(seed)
  const ownSeed = seed.slice() // the caller may wipe its copy
  const publicKey = crypto.ed25519.publicKeyFromSeed(ownSeed)
  return {
    name,
    keyId: keyIdFor(crypto, name, publicKey),
    publicKey,
    sign: (message) => crypto.ed25519.sign(ownSeed, message),
  }
}

/** signerFromKey returns the Signer of a SigningKey under its own name. */
export function signerFromKey(crypto: CryptoProvider, key: SigningKey): Signer {
  return deriveSigner(crypto, key.seed, key.name)
}

/** verifierFor returns the VerifierKey matching deriveSigner(crypto, seed, name). */
export function verifierFor(crypto: CryptoProvider, seed: Uint8Array, name: string): VerifierKey {
  requireSeed(seed)
  return verifierFromPublicKey(crypto, name, crypto.ed25519.publicKeyFromSeed(seed))
}

/** verifierKeyForName returns the verifier key string matching deriveSigner(crypto, seed, name). */
export function verifierKeyForName(crypto: CryptoProvider, seed: Uint8Array, name: string): string {
  const key = verifierFor(crypto, seed, name)
  return verifierKeyString(key.name, key.keyId, key.publicKey)
}

/** Reads 4 bytes as a big-endian uint32 (with arithmetic: `<<` would go negative). */
export function readUint32(bytes: Uint8Array, offset: number): number {
  let value = 0
  for (let i = offset; i < offset + 4; i++) value = value * 256 + (bytes[i] as number)
  return value
}

/** Writes a uint32 as 4 big-endian bytes. */
export function uint32Bytes(value: number): Uint8Array {
  return Uint8Array.of(
    Math.floor(value / 0x1000000) % 256,
    Math.floor(value / 0x10000) % 256,
    Math.floor(value / 0x100) % 256,
    value % 256,
  )
}

interface KeyFields {
  name: string
  keyId: number
  /** The decoded key data, algorithm byte first (checked to be 0x01). */
  data: Uint8Array
}

/**
 * splitKeyString parses `<name>+<hex8>+<base64>`. The name cannot contain '+', so the first
 * two '+' delimit it; the base64 may contain more. `echo` is false for secret input.
 */
function splitKeyString(text: string, what: string, echo: boolean): KeyFields {
  const shown = echo ? ` ${quote(text)}` : ''
  const first = text.indexOf('+')
  const second = first < 0 ? -1 : text.indexOf('+', first + 1)
  if (second < 0) throw malformedKey(`${what}${shown} is not of the form <name>+<hex8>+<base64>`)
  const name = text.slice(0, first)
  const hex = text.slice(first + 1, second)
  const base64 = text.slice(second + 1)
  if (!isValidKeyName(name)) {
    throw malformedKey(`${what}${shown} has an invalid name: empty, or contains a space or '+'`)
  }
  if (!/^[0-9a-f]{8}$/.test(hex)) {
    throw malformedKey(`${what}${shown} key ID is not 8 lowercase hex digits`)
  }
  const data = fromBase64(base64)
  if (data === undefined) throw malformedKey(`${what}${shown} key data is not canonical base64`)
  if (data.length === 0) throw malformedKey(`${what}${shown} key data is empty`)
  if (data[0] !== ED25519_ALGORITHM) {
    throw malformedKey(
      `${what}${shown} has algorithm 0x${(data[0] as number).toString(16).padStart(2, '0')}, not 0x01 (Ed25519)`,
    )
  }
  return { name, keyId: parseInt(hex, 16), data }
}

function requireName(name: string): void {
  if (!isValidKeyName(name)) {
    throw new AuditsealError(
      'INVALID_ARGUMENT',
      `invalid key name ${quote(name)}: empty, or contains a space or '+'`,
    )
  }
}

function requireSeed(seed: Uint8Array): void {
  if (seed.length !== SEED_SIZE) {
    throw new AuditsealError('INVALID_ARGUMENT', `Ed25519 seed is ${seed.length} bytes, not 32`)
  }
}

function malformedKey(message: string): AuditsealError {
  return new AuditsealError('MALFORMED_KEY', message)
}
