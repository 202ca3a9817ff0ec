// A Database whose tenant transactions run their statements through `wrap`: how a test watches
// or alters what the store sends, on either engine, without a second code path in the store.
import type { Database, Sql } from '../../src/db/database.js'

export function wrapTenantSql(db: Database, wrap: (sql: Sql) => Sql): Database {
  return {
    engine: db.engine,
    tenantTransaction: (role, tenant, fn) =>
      db.tenantTransaction(role, tenant, (sql) => fn(wrap(sql))),
    roleTransaction: (role, fn) => db.roleTransaction(role, fn),
    adminQuery: (text, params) => db.adminQuery(text, params),
    adminTransaction: (fn) => db.adminTransaction(fn),
    close: () => db.close(),
  }
}
