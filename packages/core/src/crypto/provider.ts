/**
 * The primitives the core's algorithms need. The algorithms stay pure and take a provider,
 * so the server plugs in Node's native crypto and browsers use the audited noble libraries.
 */
export interface CryptoProvider {
  /** SHA-256 of `data`, 32 bytes. Must not keep `data`: callers reuse the buffer. */
  sha256(data: Uint8Array): Uint8Array
  ed25519: Ed25519
}

export interface Ed25519 {
  /** The 32-byte public key of a 32-byte private seed (RFC 8032). */
  publicKeyFromSeed(seed: Uint8Array): Uint8Array
  /** A 64-byte RFC 8032 signature of `message`. */
  sign(seed: Uint8Array, message: Uint8Array): Uint8Array
  /** True only for a valid signature; never throws on malformed input. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean
}
