// CPU time spent by each process of the machine during a measurement, from Linux's /proc, so
// a benchmark can say where an event's CPU went (this process, the audit server, PostgreSQL)
// and what rate the machine's cores allow at that cost. Wall-clock rates alone cannot tell a
// slow path from a busy machine.
//
// A PostgreSQL backend that exits during the measurement is still counted: the postmaster
// reaps it, and the kernel adds its time to the postmaster's cutime/cstime, read here too.
// PostgreSQL's background processes (checkpointer, WAL writer, autovacuum …) are counted
// apart: they work for whichever measurement ran before as much as for the current one.
import { readdirSync, readFileSync } from 'node:fs'
import { cpus } from 'node:os'

/** Linux reports /proc times in USER_HZ ticks, 100 per second on every architecture it runs. */
const TICKS_PER_SECOND = 100

interface ProcessTime {
  command: string
  /** What a PostgreSQL process is: its title ("postgres: 15/main: walwriter"). */
  title: string
  ticks: number
}

export type CpuSnapshot = Map<number, ProcessTime>

/** Every process's CPU ticks so far, or undefined where /proc cannot be read (not Linux). */
export function cpuSnapshot(): CpuSnapshot | undefined {
  let pids: string[]
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name))
  } catch {
    return undefined
  }
  const snapshot: CpuSnapshot = new Map()
  for (const pid of pids) {
    let stat: string
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
    } catch {
      continue // it exited while we looked
    }
    // "pid (command) state ppid …": the command may hold spaces and parentheses.
    const close = stat.lastIndexOf(')')
    const command = stat.slice(stat.indexOf('(') + 1, close)
    const fields = stat.slice(close + 2).split(' ')
    // Fields 14–17 of proc(5) (utime, stime, cutime, cstime), counted from "state" as 3.
    const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0)
    snapshot.set(Number(pid), { command, title: command === 'postgres' ? title(pid) : '', ticks })
  }
  return snapshot
}

function title(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').replaceAll('\0', ' ')
  } catch {
    return ''
  }
}

const BACKGROUND =
  /: (checkpointer|background writer|walwriter|autovacuum|logical replication|archiver|walsender|walreceiver|startup)/

/**
 * Seconds of CPU each group used between two snapshots. `groupOf` names a process's group;
 * a process started after `before` counts from zero. One that exited in between counts its
 * time before `before` negatively: its parent (for PostgreSQL, the postmaster) has just been
 * credited with its whole life in cutime/cstime. Without that, a pool closing connections
 * that worked earlier would bill their past to the measurement.
 */
export function cpuSecondsBetween(
  before: CpuSnapshot,
  after: CpuSnapshot,
  groupOf: (pid: number, command: string, title: string) => string,
): Map<string, number> {
  const ticksByGroup = new Map<string, number>()
  const add = (pid: number, time: ProcessTime, ticks: number) => {
    const group = groupOf(pid, time.command, time.title)
    ticksByGroup.set(group, (ticksByGroup.get(group) ?? 0) + ticks)
  }
  for (const [pid, time] of after) add(pid, time, time.ticks - (before.get(pid)?.ticks ?? 0))
  for (const [pid, time] of before) if (!after.has(pid)) add(pid, time, -time.ticks)
  const seconds = new Map<string, number>()
  for (const [group, ticks] of ticksByGroup) {
    if (ticks > 0) seconds.set(group, ticks / TICKS_PER_SECOND)
  }
  return seconds
}

/** The groups of a benchmark: this process, PostgreSQL's processes, and the rest. */
export function benchGroups(
  named: Record<number, string> = {},
): (pid: number, command: string, title: string) => string {
  return (pid, command, title) => {
    if (pid === process.pid) return 'this process'
    if (named[pid] !== undefined) return named[pid]
    if (command !== 'postgres') return 'other processes'
    // The postmaster's own line holds its reaped backends' time: counted with the backends.
    return BACKGROUND.test(title) ? 'PostgreSQL background' : 'PostgreSQL'
  }
}

/** Counted apart from the total: noise of the machine, and work left by earlier runs. */
const ASIDE = ['PostgreSQL background', 'other processes']

/**
 * One line: µs of CPU per event by group, their sum, and the rate `cores` allow at that cost
 * were they all busy with nothing else.
 */
export function formatCpuPerEvent(seconds: Map<string, number>, events: number, cores: number) {
  const micros = (s: number) => (s * 1e6) / events
  const main = [...seconds]
    .filter(([group]) => !ASIDE.includes(group))
    .sort(([, a], [, b]) => b - a)
  const total = main.reduce((sum, [, s]) => sum + micros(s), 0)
  const aside = ASIDE.map((group) => `${group} ${micros(seconds.get(group) ?? 0).toFixed(1)}`)
  const ceiling = Math.round((cores * 1e6) / total).toLocaleString('en-US')
  return (
    `CPU µs per event: ${main.map(([group, s]) => `${group} ${micros(s).toFixed(1)}`).join(', ')}; ` +
    `total ${total.toFixed(1)} (aside: ${aside.join(', ')}) → ${cores} cores allow at most ${ceiling} events/s`
  )
}

/** CPU seconds by process group (undefined without /proc) during a measurement. */
export type CpuUse = Map<string, number> | undefined

/** A measured run: events per wall-clock second, and the CPU each process group used. */
export interface Measured {
  rate: number
  cpu: CpuUse
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
  return { rate, cpu }
}

/** formatCpuPerEvent for this machine's cores, indented under a benchmark's line. */
export function cpuLine(cpu: CpuUse, events: number): string {
  return cpu
    ? `    ${formatCpuPerEvent(cpu, events, cpus().length)}`
    : '    (CPU per event: no /proc on this machine)'
}
