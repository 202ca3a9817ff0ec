/**
 * The storage seam: everything above it (sealer, queries, checkpointer) talks to PostgreSQL
 * or PGlite through these few methods, with plain `$n`-parameterised SQL.
 *
 * Values come back alike on both engines: int8 as a JS number (an error past 2^53 - 1),
 * bytea as a plain Uint8Array, bytea[] as Uint8Array[], timestamptz as a Date, uuid as a
 * lowercase string (see docs/storage.md).
 */

/** The application roles a transaction runs as (`SET LOCAL ROLE auditseal_<role>`). */
export type Role = 'writer' | 'reader'

/** One statement per call, `$1`-style parameters; returns the rows. */
export interface Sql {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>
}

/** The administrative session of a transaction: also runs multi-statement scripts. */
export interface AdminSql extends Sql {
  /** Runs a script of several statements, no parameters (a migration file). */
  exec(script: string): Promise<void>
}

export interface Database {
  readonly engine: 'postgres' | 'pglite'
  /** One transaction as `role`, scoped to one tenant through app.tenant_id (transaction-local). */
  tenantTransaction<T>(role: Role, tenantId: string, fn: (sql: Sql) => Promise<T>): Promise<T>
  /** One transaction as `role` with no tenant scope (cross-tenant functions only). */
  roleTransaction<T>(role: Role, fn: (sql: Sql) => Promise<T>): Promise<T>
  /** Raw access as the connecting (administrative) role — migrations and tests only. */
  adminQuery<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>
  /** One transaction as the connecting (administrative) role — migrations and tests only. */
  adminTransaction<T>(fn: (sql: AdminSql) => Promise<T>): Promise<T>
  close(): Promise<void>
}

/** The write database (primary) and the read database (a replica, or the same object). */
export interface Store {
  write: Database
  /** `=== write` when no read URL was given. */
  read: Database
  close(): Promise<void>
}

/** The database role behind each application role. */
export const ROLE_NAMES: Readonly<Record<Role, string>> = Object.freeze({
  writer: 'auditseal_writer',
  reader: 'auditseal_reader',
})
