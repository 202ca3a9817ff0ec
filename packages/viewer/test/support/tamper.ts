// What an attacker with the database files can do: switch the append-only triggers off as
// superuser and rewrite an event's stored canonical text. The server must be stopped first:
// PGlite is single-process and the data directory is locked.

import { openPglite } from '../../../server/src/db/index.js'

export async function rewriteEvent(
  dataDir: string,
  eventId: string,
  rewrite: (canonical: string) => string,
): Promise<void> {
  const db = await openPglite(dataDir)
  try {
    await db.adminTransaction(async (sql) => {
      const tables = await sql.query<{ name: string }>(
        `SELECT 'auditseal.audit_events' AS name
         UNION ALL
         SELECT inhrelid::regclass::text FROM pg_inherits
         WHERE inhparent = 'auditseal.audit_events'::regclass`,
      )
      for (const { name } of tables) await sql.exec(`ALTER TABLE ${name} DISABLE TRIGGER ALL`)
      const [row] = await sql.query<{ canonical: string }>(
        `SELECT canonical FROM auditseal.audit_events WHERE id = $1`,
        [eventId],
      )
      if (row === undefined) throw new Error(`no event ${eventId} in ${dataDir}`)
      const changed = rewrite(row.canonical)
      if (changed === row.canonical) throw new Error('the rewrite changed nothing')
      await sql.query(`UPDATE auditseal.audit_events SET canonical = $1 WHERE id = $2`, [
        changed,
        eventId,
      ])
      for (const { name } of tables) await sql.exec(`ALTER TABLE ${name} ENABLE TRIGGER ALL`)
    })
  } finally {
    await db.close()
  }
}
