// §4: migrations are applied by `auditseal migrate` and on `serve`. The embedded database
// runs as its superuser, so serve can always migrate it. On PostgreSQL the recommended login
// (docs/storage.md, Roles) is a NOINHERIT member of the writer and reader roles that may not
// even look into the schema outside a transaction's SET ROLE: for it, migrating is the
// owner's job (`auditseal migrate`), and serve goes on without.

import type { Store } from '../db/database.js'
import { migrate } from '../db/migrations.js'

export type MigrationOutcome =
  { kind: 'applied'; applied: string[] } | { kind: 'not-permitted'; reason: string }

export async function migrateOnStart(store: Store): Promise<MigrationOutcome> {
  try {
    return { kind: 'applied', applied: (await migrate(store.write)).applied }
  } catch (error) {
    const code = (error as { code?: unknown }).code
    // 42501 insufficient_privilege: this login may not run (or even check) migrations.
    if (store.write.engine === 'postgres' && code === '42501') {
      return { kind: 'not-permitted', reason: (error as Error).message }
    }
    throw error
  }
}
