import { parseDatabaseUrl } from './config/values.js'
import { migrate, pendingMigrations } from './db/migrations.js'
import { openPostgres } from './db/postgres.js'

export interface MigrateCommandOptions {
  databaseUrl: string
  /** Where the URL came from, for the error about one that is not PostgreSQL's. */
  databaseUrlFrom?: '--database-url' | 'DATABASE_URL'
  /** Where progress goes (default: standard output). */
  print?: (line: string) => void
}

/**
 * runMigrateCommand is `auditseal migrate --database-url URL`: it applies the pending
 * migrations as the connecting role (the database owner or a superuser) and prints each.
 */
export async function runMigrateCommand(options: MigrateCommandOptions): Promise<void> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`))
  // Checked before connecting: pg takes http://host/db too, and fails without naming the flag.
  parseDatabaseUrl({ text: options.databaseUrl, from: options.databaseUrlFrom ?? '--database-url' })
  const db = openPostgres(options.databaseUrl, { max: 1, applicationName: 'auditseal migrate' })
  try {
    const pending = await pendingMigrations(db)
    if (pending.length === 0) {
      print('auditseal migrate: the database is up to date')
      return
    }
    const { applied } = await migrate(db)
    for (const id of applied) print(`applied ${id}`)
    const skipped = pending.filter((id) => !applied.includes(id))
    for (const id of skipped) print(`${id} was applied by another process meanwhile`)
    print(`auditseal migrate: ${applied.length} migration(s) applied`)
  } finally {
    await db.close()
  }
}
