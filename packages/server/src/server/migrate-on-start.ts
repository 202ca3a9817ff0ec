// §4: migrations are applied by `auditseal migrate` and on `serve`. The embedded database
// runs as its superuser, so serve can always migrate it. On PostgreSQL the recommended login
// (docs/storage.md, Roles) is a NOINHERIT member of the writer and reader roles that may not
// even look into the schema outside a transaction's SET ROLE: for it, migrating is the
// owner's job (`auditseal migrate`). Serve then asks, as the reader role, what is applied:
// on a database nobody migrated it refuses to start; with some migrations pending it goes on
// and says which.

import type { Store } from '../db/database.js'
import { DbError } from '../db/errors.js'
import { loadMigrations, migrate, pendingMigrationsForReader } from '../db/migrations.js'

export type MigrationOutcome =
  | { kind: 'applied'; applied: string[] }
  /**
   * This login may not migrate. `pending`: what the reader role found pending (`[]`: the
   * database is up to date), or undefined where the reader may not tell (before 0013).
   */
  | { kind: 'not-permitted'; pending: string[] | undefined }

export async function migrateOnStart(store: Store): Promise<MigrationOutcome> {
  try {
    return { kind: 'applied', applied: (await migrate(store.write)).applied }
  } catch (error) {
    const code = (error as { code?: unknown }).code
    // 42501 insufficient_privilege: this login may not run (or even check) migrations.
    if (store.write.engine === 'postgres' && code === '42501') {
      return { kind: 'not-permitted', pending: await pendingAsReader(store, error as Error) }
    }
    throw error
  }
}

/**
 * pendingAsReader: the migrations pending as the reader role sees them; undefined where it may
 * not read them. Throws DbError DATABASE_NOT_MIGRATED when none is applied (serve would listen
 * and then fail on the first query), saying why this login could not migrate it itself.
 */
async function pendingAsReader(store: Store, refusal: Error): Promise<string[] | undefined> {
  let pending: string[]
  try {
    pending = await pendingMigrationsForReader(store.write)
  } catch (error) {
    if (!(error instanceof DbError) || error.code !== 'MIGRATIONS_UNREADABLE') throw error
    return undefined
  }
  if (pending.length === (await loadMigrations()).length)
    throw new DbError(
      'DATABASE_NOT_MIGRATED',
      'the database is not migrated: run `auditseal migrate --database-url …` as the database ' +
        `owner first (this login may not: ${refusal.message})`,
      { cause: refusal },
    )
  return pending
}
