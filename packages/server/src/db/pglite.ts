import { PGlite, type Transaction } from '@electric-sql/pglite'
import type { AdminSql, Database, Role, Sql } from './database.js'
import { lockDirectory } from './dir-lock.js'
import { setRoleStatement, tenantScopeScript } from './scope.js'
import { asPgliteParams } from './binary-params.js'
import { OID, parseInt8 } from './values.js'

/**
 * openPglite opens (creating on first use) an embedded PostgreSQL in `dataDir`. PGlite runs
 * as superuser in one session: every transaction goes through PGlite's transaction(), which
 * serialises them, and SET LOCAL ROLE makes privileges, RLS and triggers apply as on a server.
 * Do not open another Database method from inside a transaction callback: it would wait for
 * the transaction that is waiting for it.
 *
 * PGlite runs with fsync off: a committed transaction survives a killed process, not a power
 * loss (docs/storage.md).
 */
export async function openPglite(dataDir: string): Promise<Database> {
  const lock = lockDirectory(dataDir)
  try {
    // int8 as a number everywhere (PGlite would return a bigint past 2^53); int8[] follows,
    // as PGlite builds array parsers from the element parser. bytea is a Uint8Array already.
    const pg = await PGlite.create(dataDir, { parsers: { [OID.INT8]: parseInt8 } })
    return new PgliteDatabase(pg, lock)
  } catch (error) {
    lock.release()
    throw error
  }
}

function sqlOf(tx: Transaction): AdminSql {
  return {
    async query<R>(text: string, params?: unknown[]): Promise<R[]> {
      const result = await tx.query<R>(text, asPgliteParams(params))
      return result.rows
    },
    async exec(script: string): Promise<void> {
      await tx.exec(script)
    },
  }
}

class PgliteDatabase implements Database {
  readonly engine = 'pglite' as const
  readonly #pg: PGlite
  readonly #lock: { release(): void }

  constructor(pg: PGlite, lock: { release(): void }) {
    this.#pg = pg
    this.#lock = lock
  }

  async tenantTransaction<T>(
    role: Role,
    tenantId: string,
    fn: (sql: Sql) => Promise<T>,
  ): Promise<T> {
    const opening = tenantScopeScript(role, tenantId)
    return this.#pg.transaction(async (tx) => {
      await tx.exec(opening)
      return fn(sqlOf(tx))
    })
  }

  async roleTransaction<T>(role: Role, fn: (sql: Sql) => Promise<T>): Promise<T> {
    const setRole = setRoleStatement(role)
    return this.#pg.transaction(async (tx) => {
      await tx.exec(setRole)
      return fn(sqlOf(tx))
    })
  }

  async adminQuery<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]> {
    const result = await this.#pg.query<R>(text, asPgliteParams(params))
    return result.rows
  }

  adminTransaction<T>(fn: (sql: AdminSql) => Promise<T>): Promise<T> {
    return this.#pg.transaction((tx) => fn(sqlOf(tx)))
  }

  async close(): Promise<void> {
    try {
      if (!this.#pg.closed) await this.#pg.close()
    } finally {
      this.#lock.release()
    }
  }
}
