// Issue test 2: the producing process is SIGKILLed mid-stream; a new process on the same spool
// finishes the job. No event whose log() returned before the last spool sync is lost, none is
// duplicated — counted in the store of a real `auditseal serve` on PostgreSQL. In `process`
// durability every event whose log() returned survives a kill, synced or not.
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { createPostgresDatabase } from '../../server/test/support/databases.js'
import type { PostgresTestDatabase } from '../../server/test/support/databases.js'
import { createIngestKey, startServe } from './support/serve.js'
import type { Serve } from './support/serve.js'
import { tempDir } from './support/temp.js'

const PRODUCER = fileURLToPath(new URL('./fixtures/producer.ts', import.meta.url))
const TSCONFIG = fileURLToPath(new URL('../../../tsconfig.tests.json', import.meta.url))
const COUNT = 50_000 // more than the pipe lets the producer get ahead of the kill
const KILL_AFTER = 12_000

let database: PostgresTestDatabase | undefined
let serve: Serve | undefined

afterAll(async () => {
  await serve?.stop()
  await database?.drop()
})

interface Run {
  lines: string[]
  code: number | null
  signal: NodeJS.Signals | null
}

/** Runs the producer script; `killWhen` sees every stdout line and may ask for a SIGKILL. */
function runProducer(
  mode: string,
  env: Record<string, string>,
  killWhen?: (line: string) => boolean,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', PRODUCER, mode], {
      env: { ...process.env, ...env, TSX_TSCONFIG_PATH: TSCONFIG },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const lines: string[] = []
    let partial = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      const text = partial + chunk.toString()
      const parts = text.split('\n')
      partial = parts.pop() ?? ''
      for (const line of parts) {
        lines.push(line)
        if (killWhen?.(line) && child.exitCode === null) child.kill('SIGKILL')
      }
    })
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    // 'close': the process is reaped and its output drained.
    child.on('close', (code, signal) => {
      if (code !== 0 && signal !== 'SIGKILL')
        reject(new Error(`producer ${mode} failed (${code}):\n${stderr}`))
      else resolve({ lines, code, signal })
    })
  })
}

describe.each([
  ['group', 'synced'],
  ['process', 'returned'],
] as const)('a producer killed with SIGKILL mid-stream (durability %s)', (durability, kept) => {
  it(
    `loses no event whose log() ${kept === 'synced' ? 'returned before the last sync' : 'returned'} and duplicates none`,
    { timeout: 180_000 },
    async () => {
      database ??= await createPostgresDatabase()
      serve ??= await startServe(database.url)
      const tenant = randomUUID()
      const apiKey = await createIngestKey(database.url, tenant)
      const env = {
        AUDIT_URL: serve.url,
        AUDIT_API_KEY: apiKey,
        SPOOL_DIR: tempDir(),
        COUNT: String(COUNT),
        DURABILITY: durability,
      }

      let returned = 0
      let synced = false
      // Killed mid-stream, once a group commit has synced something (on a loaded machine
      // KILL_AFTER calls can return before the first one runs).
      const killed = await runProducer('produce', env, (line) => {
        if (line.startsWith('s ')) synced = true
        return /^\d+$/.test(line) && ++returned >= KILL_AFTER && synced
      })
      expect(killed.signal).toBe('SIGKILL')
      const numbers = killed.lines.filter((l) => /^\d+$/.test(l)).map(Number)
      const lastReturned = Math.max(...numbers)
      const lastSynced = Math.max(
        0,
        ...killed.lines.filter((l) => l.startsWith('s ')).map((l) => Number(l.slice(2))),
      )
      expect(lastReturned).toBeGreaterThanOrEqual(KILL_AFTER - 1)
      expect(lastReturned).toBeLessThan(COUNT - 1) // killed mid-stream, not after the end
      expect(lastSynced).toBeGreaterThan(0) // the group commit ran

      const finished = await runProducer('finish', env)
      const stats = JSON.parse(finished.lines.at(-1) as string) as Record<string, number>
      expect(stats).toMatchObject({ spooled: 0, deadLettered: 0 })

      const rows = await database.db.adminQuery<{ n: number; copies: number }>(
        `SELECT (canonical::jsonb #>> '{data,n}')::int AS n, count(*)::int AS copies
       FROM auditseal.audit_events WHERE tenant_id = $1 GROUP BY 1 ORDER BY 1`,
        [tenant],
      )
      expect(rows.filter((r) => r.copies !== 1)).toEqual([]) // nothing twice
      const stored = rows.map((r) => r.n)
      // Exactly the events 0..K for some K, with no gap: at least every one synced (`s k`: the
      // first k events, 0..k-1), and in `process` mode every one whose log() returned (and
      // possibly a few that returned after the last line the parent read).
      const last = stored.at(-1) as number
      expect(last).toBeGreaterThanOrEqual(kept === 'synced' ? lastSynced - 1 : lastReturned)
      expect(stored).toEqual([...Array(last + 1).keys()])
      console.info(
        `crash test (${durability}): killed after log() #${lastReturned} returned (group commit had synced ${lastSynced}); ` +
          `the new process recovered ${stats.recovered} unacknowledged events (${stats.duplicates} already sealed); ` +
          `the store holds 0..${last}, each once`,
      )
    },
  )
})
