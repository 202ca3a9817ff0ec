import { ed25519 } from '@noble/curves/ed25519.js'
import { sha256 } from '@noble/hashes/sha2.js'
import type { CryptoProvider } from './provider.js'

/** The browser-safe provider: audited pure-JavaScript SHA-256 and Ed25519. */
export const nobleCrypto: CryptoProvider = {
  sha256: (data) => sha256(data),
  ed25519: {
    publicKeyFromSeed: (seed) => ed25519.getPublicKey(seed),
    sign: (seed, message) => ed25519.sign(message, seed),
    verify: (publicKey, message, signature) => {
      try {
        // Strict RFC 8032 verification, as Go and OpenSSL do, rather than the ZIP-215 rules.
        return ed25519.verify(signature, message, publicKey, { zip215: false })
      } catch {
        return false
      }
    },
  },
}
