// Self-test of test/support/replica.ts against the local primary (see .ci/prepare-postgres.sh).
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { startReplica, type Replica } from './support/replica.js'

const PRIMARY = 'postgres://postgres@127.0.0.1:5432'

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 })
  await client.connect()
  try {
    return await use(client)
  } finally {
    await client.end()
  }
}

describe('startReplica', () => {
  const database = `auditseal_replica_probe_${randomBytes(6).toString('hex')}`
  let replica: Replica | undefined
  let created = false

  afterAll(async () => {
    await replica?.stop()
    if (created) {
      await withClient(`${PRIMARY}/postgres`, (c) =>
        c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`),
      )
    }
  })

  it('streams the primary’s writes and refuses writes of its own', async () => {
    replica = await startReplica()
    expect(replica.port).toBeGreaterThan(0)
    expect(replica.port).not.toBe(5432)

    await withClient(`${PRIMARY}/postgres`, (c) => c.query(`CREATE DATABASE ${database}`))
    created = true
    await withClient(`${PRIMARY}/${database}`, async (c) => {
      await c.query('CREATE TABLE probe (id int PRIMARY KEY, note text NOT NULL)')
      await c.query(`INSERT INTO probe VALUES (1, 'written on the primary')`)
    })

    await replica.waitForReplay()

    await withClient(replica.url(database), async (c) => {
      const where = await c.query<{ recovery: boolean; port: number }>(
        'SELECT pg_is_in_recovery() AS recovery, inet_server_port() AS port',
      )
      expect(where.rows).toEqual([{ recovery: true, port: replica?.port }])

      const { rows } = await c.query('SELECT id, note FROM probe')
      expect(rows).toEqual([{ id: 1, note: 'written on the primary' }])

      await expect(
        c.query(`INSERT INTO probe VALUES (2, 'written on the replica')`),
      ).rejects.toMatchObject({
        code: '25006', // read_only_sql_transaction
        message: expect.stringMatching(/read-only transaction/),
      })
    })

    const { port } = replica
    await replica.stop()
    await replica.stop() // a second stop is a no-op
    await expect(
      withClient(`postgres://postgres@127.0.0.1:${port}/postgres`, async () => {}),
    ).rejects.toThrow()
  })
})
