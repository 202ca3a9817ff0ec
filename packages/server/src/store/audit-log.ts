// The store as the rest of the server sees it: sealing and checkpoints on the write database
// (the primary), every read on the read database (a replica when configured).

import type { CryptoProvider, TreeHasher } from '@auditseal/core'
import { createTreeHasher } from '@auditseal/core'
import type { Store } from '../db/database.js'
import { Checkpointer } from './checkpointer.js'
import type { CheckpointerOptions } from './checkpointer.js'
import { LogKeys } from './log-keys.js'
import { LogReader } from './log-reader.js'
import { Sealer } from './sealer.js'

export interface AuditLogOptions {
  store: Store
  crypto: CryptoProvider
  /** The log name of every origin, `<log name>/<tenant_id>`. */
  logName: string
  /** The 32-byte Ed25519 seed that signs every tenant's checkpoints. */
  signingSeed: Uint8Array
  checkpoints?: CheckpointerOptions
  clock?: () => Date
}

export class AuditLog {
  readonly hasher: TreeHasher
  readonly keys: LogKeys
  readonly sealer: Sealer
  readonly reader: LogReader
  readonly checkpointer: Checkpointer

  constructor(options: AuditLogOptions) {
    this.hasher = createTreeHasher(options.crypto)
    this.keys = new LogKeys(options.crypto, options.logName, options.signingSeed)
    this.sealer = new Sealer(options.store.write, this.hasher, options.clock)
    this.reader = new LogReader(options.store.read, this.hasher)
    this.checkpointer = new Checkpointer(
      options.store.write,
      this.hasher,
      this.keys,
      options.checkpoints,
    )
  }
}
