// A fresh copy of the sealed template for one tamper case: CREATE DATABASE … TEMPLATE copies
// it in a fraction of a second, far cheaper than sealing again.

import { randomBytes } from 'node:crypto'
import type { Database } from '../../../src/db/database.js'
import { openPostgres } from '../../../src/db/postgres.js'
import { ADMIN_URL, databaseUrl, withAdminClient } from '../../support/databases.js'

export interface Clone {
  name: string
  /** As the superuser, like the template's. */
  url: string
  db: Database
  drop(): Promise<void>
}

export async function cloneDatabase(template: string): Promise<Clone> {
  const name = `auditseal_case_${randomBytes(5).toString('hex')}`
  await withAdminClient(ADMIN_URL, async (client) => {
    await client.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
      [template],
    )
    await client.query(`CREATE DATABASE ${name} TEMPLATE ${template}`)
  })
  const url = databaseUrl(name)
  const db = openPostgres(url, { max: 2, applicationName: 'auditseal tamper case' })
  return {
    name,
    url,
    db,
    async drop() {
      await db.close()
      await withAdminClient(ADMIN_URL, (client) =>
        client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
      )
    },
  }
}
