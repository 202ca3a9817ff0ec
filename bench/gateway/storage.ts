// Fresh storage for one benchmark run: a new PGlite data directory, or, when DATABASE_URL is
// set, a new database on that PostgreSQL server (dropped afterwards).

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'

export interface Storage {
  flags: { dataDir: string; databaseUrl?: string }
  engine: string
  drop(): Promise<void>
}

export async function freshStorage(label: string): Promise<Storage> {
  const dataDir = await mkdtemp(join(tmpdir(), `auditseal-bench-${label}-`))
  const adminUrl = process.env.DATABASE_URL
  if (adminUrl === undefined) {
    return {
      flags: { dataDir },
      engine: 'PGlite (embedded)',
      drop: () => rm(dataDir, { recursive: true, force: true }),
    }
  }
  const name = `auditseal_bench_gateway_${label}_${Date.now()}`
  await admin(adminUrl, `CREATE DATABASE ${name}`)
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return {
    flags: { dataDir, databaseUrl: url.toString() },
    engine: 'PostgreSQL',
    async drop() {
      await admin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await rm(dataDir, { recursive: true, force: true })
    },
  }
}

async function admin(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}
