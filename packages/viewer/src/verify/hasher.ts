import { createTreeHasher, nobleCrypto } from '@auditseal/core'
import type { CryptoProvider, TreeHasher } from '@auditseal/core'

/** The browser's crypto: the core's audited pure-JavaScript SHA-256 and Ed25519. */
export const crypto: CryptoProvider = nobleCrypto

/** RFC 6962 hashes over `crypto`, made once. */
export const hasher: TreeHasher = createTreeHasher(crypto)
