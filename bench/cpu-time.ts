// Where a benchmark's CPU went, per event: this process, the audit server, PostgreSQL's
// backends, and the rate the machine's cores allow at that cost. Wall-clock rates alone cannot
// tell a slow path from a busy machine.
//
// PostgreSQL's background processes (checkpointer, WAL writer, autovacuum …) are shown aside:
// they work for whichever measurement ran before as much as for the current one. (An
// autovacuum worker that exits during a measurement is counted with the backends: the
// postmaster reaps it.) Every PostgreSQL process of the machine counts, whichever database it
// serves.
import { cpus } from 'node:os'
import { cpuSecondsBetween, cpuSnapshot } from './proc-cpu.js'
import type { GroupOf } from './proc-cpu.js'

const BACKGROUND_PROCESSES = [
  'checkpointer',
  'background writer',
  'walwriter',
  'autovacuum',
  'logical replication',
  'archiver',
  'walsender',
  'walreceiver',
  'startup',
]
const BACKGROUND = new RegExp(`: (${BACKGROUND_PROCESSES.join('|')})`)

/** This process, the processes `named` by pid, PostgreSQL's, and the rest. */
function benchGroups(named: Record<number, string>): GroupOf {
  return (pid, { command, title }) => {
    if (pid === process.pid) return 'this process'
    if (named[pid] !== undefined) return named[pid]
    if (command !== 'postgres') return 'other processes'
    return BACKGROUND.test(title) ? 'PostgreSQL background' : 'PostgreSQL'
  }
}

/** A measured run: events per wall-clock second, and the CPU seconds each group used. */
export interface Measured {
  events: number
  rate: number
  /** undefined where /proc cannot be read. */
  cpu: Map<string, number> | undefined
}

/** Runs `work`, which handles `events` events; `named` names processes by pid. */
export async function measureCpu(
  events: number,
  work: () => Promise<unknown>,
  named: Record<number, string> = {},
): Promise<Measured> {
  const before = cpuSnapshot()
  const started = performance.now()
  await work()
  const rate = events / ((performance.now() - started) / 1000)
  const after = cpuSnapshot()
  const cpu = before && after ? cpuSecondsBetween(before, after, benchGroups(named)) : undefined
  return { events, rate, cpu }
}

/** Counted apart from the total: work left by earlier runs, and the rest of the machine. */
const ASIDE = ['PostgreSQL background', 'other processes']

/**
 * One line, indented under a benchmark's: µs of CPU per event by group, their sum, and the
 * rate this machine's cores would allow at that cost were they busy with nothing else.
 */
export function cpuLine({ events, cpu }: Measured): string {
  if (cpu === undefined) return '    (CPU per event: no /proc on this machine)'
  const micros = (seconds: number) => ((seconds * 1e6) / events).toFixed(1)
  const counted = [...cpu].filter(([group]) => !ASIDE.includes(group)).sort(([, a], [, b]) => b - a)
  const total = counted.reduce((sum, [, seconds]) => sum + seconds, 0)
  const cores = cpus().length
  const allowed = Math.round((cores * events) / total).toLocaleString('en-US')
  const parts = counted.map(([group, seconds]) => `${group} ${micros(seconds)}`)
  const aside = ASIDE.map((group) => `${group} ${micros(cpu.get(group) ?? 0)}`)
  return [
    `    CPU µs per event: ${parts.join(', ')}; total ${micros(total)}`,
    `(aside: ${aside.join(', ')}) → ${cores} cores allow at most ${allowed} events/s`,
  ].join(' ')
}
