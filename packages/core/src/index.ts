// The public surface of @auditseal/core. Everything here is pure and browser-safe.
export * from './errors.js'
export * from './bytes.js'
export type { CryptoProvider, Ed25519 } from './crypto/provider.js'
export { nobleCrypto } from './crypto/noble.js'
export * from './merkle/index.js'
export * from './event/index.js'
export * from './note/index.js'
