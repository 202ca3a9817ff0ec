import pg from 'pg'
import type { AdminSql, Database, Role, Sql } from './database.js'
import { DbError } from './errors.js'
import { setRoleStatement, tenantScopeScript } from './scope.js'
import { mapNested, type Nested, OID, parseInt8, toPlainBytes } from './values.js'

export interface PostgresOptions {
  /** Pool size (default 10). */
  max?: number
  /** Shown in pg_stat_activity (default `auditseal`). */
  applicationName?: string
  /** How long to wait for a new connection before failing (default 10 s). */
  connectionTimeoutMillis?: number
}

/** pg's own text parser for `oid` (its registry is typed for a few well-known OIDs only). */
const pgTextParser = pg.types.getTypeParser as (
  oid: number,
  format: 'text',
) => (text: string) => unknown

/**
 * Parsers for this pool only (pg's global registry stays untouched): int8 and int8[] as
 * numbers, bytea and bytea[] as plain Uint8Arrays; everything else as pg parses it
 * (timestamptz as Date, uuid and text as strings).
 */
function textParser(oid: number): (text: string) => unknown {
  switch (oid) {
    case OID.INT8:
      return parseInt8
    case OID.INT8_ARRAY: {
      const parseArray = pgTextParser(OID.INT8_ARRAY, 'text')
      return (text) => mapNested(parseArray(text) as Nested<string>, parseInt8)
    }
    case OID.BYTEA: {
      const parseBytea = pgTextParser(OID.BYTEA, 'text')
      return (text) => toPlainBytes(parseBytea(text) as Uint8Array)
    }
    case OID.BYTEA_ARRAY: {
      const parseArray = pgTextParser(OID.BYTEA_ARRAY, 'text')
      return (text) => mapNested(parseArray(text) as Nested<Uint8Array>, toPlainBytes)
    }
    default:
      return pgTextParser(oid, 'text')
  }
}

const typeParsers = {
  getTypeParser: (oid: number, format: 'text' | 'binary' = 'text') =>
    format === 'text' ? textParser(oid) : pg.types.getTypeParser(oid, format),
} as pg.CustomTypesConfig

/** openPostgres opens a pool on a PostgreSQL server; no query is sent until first use. */
export function openPostgres(url: string, options: PostgresOptions = {}): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'auditseal',
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 10_000,
    types: typeParsers,
  })
  // An idle client that loses its connection emits 'error' on the pool; without a listener
  // that would crash the process. The next checkout gets a fresh connection.
  pool.on('error', () => {})
  return new PostgresDatabase(pool, databaseAddress(url))
}

/**
 * databaseAddress names where `url` points, for messages: `host[:port]/database`, never the
 * user or the password.
 */
export function databaseAddress(url: string): string {
  try {
    const parsed = new URL(url)
    const host = parsed.hostname || parsed.searchParams.get('host') || 'localhost'
    const port = parsed.port === '' ? '' : `:${parsed.port}`
    return `${decodeURIComponent(host)}${port}${decodeURIComponent(parsed.pathname)}`
  } catch {
    return '(a URL that does not parse)'
  }
}

function sqlOf(client: pg.PoolClient): AdminSql {
  return {
    async query<R>(text: string, params?: unknown[]): Promise<R[]> {
      const result = await client.query(text, params)
      return result.rows as R[]
    },
    async exec(script: string): Promise<void> {
      await client.query(script) // no parameters: the simple protocol, several statements
    },
  }
}

class PostgresDatabase implements Database {
  readonly engine = 'postgres' as const
  readonly #pool: pg.Pool
  /** host:port/database, for the message of a failed connection. */
  readonly #address: string

  constructor(pool: pg.Pool, address: string) {
    this.#pool = pool
    this.#address = address
  }

  async tenantTransaction<T>(
    role: Role,
    tenantId: string,
    fn: (sql: Sql) => Promise<T>,
  ): Promise<T> {
    return this.#transaction(fn, tenantScopeScript(role, tenantId))
  }

  async roleTransaction<T>(role: Role, fn: (sql: Sql) => Promise<T>): Promise<T> {
    return this.#transaction(fn, setRoleStatement(role))
  }

  async adminQuery<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]> {
    const result = await this.#pool.query(text, params)
    return result.rows as R[]
  }

  adminTransaction<T>(fn: (sql: AdminSql) => Promise<T>): Promise<T> {
    return this.#transaction(fn)
  }

  async close(): Promise<void> {
    if (!this.#pool.ended) await this.#pool.end()
  }

  /**
   * BEGIN (and `opening`, in the same round trip); fn; COMMIT — or ROLLBACK on error; the
   * client goes back to the pool either way.
   */
  async #transaction<T>(fn: (sql: AdminSql) => Promise<T>, opening?: string): Promise<T> {
    const client = await this.#connect()
    let broken: Error | undefined
    // pg-pool listens for 'error' only on idle clients: a connection lost while checked out
    // (the server restarted, an admin terminated it) would emit an unhandled 'error' and crash
    // the process. Record it instead; the query in flight rejects, and the client is dropped.
    const onError = (error: Error) => {
      broken = error
    }
    client.on('error', onError)
    try {
      // Several statements in one simple query: BEGIN first, so they all belong to the
      // transaction that the later queries continue.
      await client.query(opening === undefined ? 'BEGIN' : `BEGIN; ${opening}`)
      const result = await fn(sqlOf(client))
      const commit = await client.query('COMMIT')
      if (commit.command === 'ROLLBACK') {
        // fn swallowed an error: PostgreSQL rolled the aborted transaction back (PGlite throws).
        throw new DbError('TRANSACTION_ABORTED', 'the transaction was aborted and rolled back')
      }
      return result
    } catch (error) {
      try {
        await client.query('ROLLBACK')
      } catch (rollbackError) {
        broken = rollbackError as Error // the connection is unusable: destroy it
      }
      throw error
    } finally {
      client.off('error', onError)
      client.release(broken)
    }
  }

  async #connect(): Promise<pg.PoolClient> {
    try {
      return await this.#pool.connect()
    } catch (error) {
      throw new DbError(
        'DATABASE_UNREACHABLE',
        `cannot connect to PostgreSQL at ${this.#address}: ${(error as Error).message}`,
        { cause: error },
      )
    }
  }
}
