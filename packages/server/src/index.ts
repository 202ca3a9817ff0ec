// The public surface of @auditseal/server.
export { nodeCrypto } from './crypto/node-crypto.js'
export * from './db/index.js'
export * from './store/index.js'
export { runMigrateCommand } from './migrate.js'
export * from './http/index.js'
