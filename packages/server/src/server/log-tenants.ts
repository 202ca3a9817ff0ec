// The tenants whose log holds events, for the start-up banner: one SECURITY DEFINER function
// (migration 0008) reads every tenant's head, returning ids and sizes only.

import type { Database } from '../db/database.js'

export interface LogTenant {
  tenantId: string
  size: number
}

export async function listLogTenants(db: Database, max = 1000): Promise<LogTenant[]> {
  const rows = await db.roleTransaction('reader', (sql) =>
    sql.query<{ tenant_id: string; size: number | string }>(
      'SELECT tenant_id::text AS tenant_id, size FROM auditseal.log_tenants($1)',
      [max],
    ),
  )
  return rows.map((row) => ({ tenantId: row.tenant_id, size: Number(row.size) }))
}
