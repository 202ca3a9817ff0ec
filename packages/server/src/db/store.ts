import type { Database, Store } from './database.js'
import { DbError } from './errors.js'
import { migrate } from './migrations.js'
import { openPglite } from './pglite.js'
import { openPostgres } from './postgres.js'

export interface StoreOptions {
  /** PostgreSQL primary; when absent, the embedded PGlite in `dataDir` is used. */
  writeUrl?: string
  /** PostgreSQL replica for reads; reads never touch the write pool when it is given. */
  readUrl?: string
  /** PGlite data directory (the embedded default). */
  dataDir?: string
  /**
   * Apply pending migrations on open: default true for PGlite, false for PostgreSQL, where
   * `auditseal migrate` (run as the database owner) does it.
   */
  migrate?: boolean
  /** Pool size of each PostgreSQL pool. */
  max?: number
  applicationName?: string
}

/** openStore opens the write and read databases; see StoreOptions for which. */
export async function openStore(options: StoreOptions): Promise<Store> {
  if (options.writeUrl === undefined) {
    if (options.dataDir === undefined) {
      throw new DbError('STORE_CONFIG_INVALID', 'give a database URL or a data directory')
    }
    if (options.readUrl !== undefined) {
      throw new DbError('STORE_CONFIG_INVALID', 'a read URL needs a write URL as well')
    }
    const db = await openPglite(options.dataDir)
    return withMigrations(db, db, options.migrate ?? true)
  }
  const pool = { max: options.max, applicationName: options.applicationName }
  const write = openPostgres(options.writeUrl, pool)
  const read = options.readUrl === undefined ? write : openPostgres(options.readUrl, pool)
  return withMigrations(write, read, options.migrate ?? false)
}

async function withMigrations(write: Database, read: Database, run: boolean): Promise<Store> {
  const store: Store = {
    write,
    read,
    async close() {
      await Promise.all([write.close(), read === write ? undefined : read.close()])
    },
  }
  if (run) {
    try {
      await migrate(write)
    } catch (error) {
      await store.close()
      throw error
    }
  }
  return store
}
