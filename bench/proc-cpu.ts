// CPU time of every process of the machine, from Linux's /proc, and how much of it each group
// of processes used between two readings.
//
// A process that exits in between is still counted: its parent reaps it, and the kernel adds
// its whole life's time to the parent's cutime/cstime, which is read too. Its time from before
// the first reading is then taken back from the parent's group, where that credit lands.
import { readdirSync, readFileSync } from 'node:fs'

/** Linux reports /proc times in USER_HZ ticks, 100 per second on every architecture it runs. */
const TICKS_PER_SECOND = 100

export interface ProcessTime {
  parent: number
  command: string
  /** Its command line, which for PostgreSQL says what the process is ("…: walwriter"). */
  title: string
  /** utime + stime + cutime + cstime. */
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
    const stat = readOrEmpty(`/proc/${pid}/stat`)
    if (stat === '') continue // it exited while we looked
    // "pid (command) state ppid …": the command may hold spaces and parentheses.
    const close = stat.lastIndexOf(')')
    const command = stat.slice(stat.indexOf('(') + 1, close)
    // Counted from "state", proc(5)'s field 3: ppid is field 4, utime…cstime fields 14–17.
    const fields = stat.slice(close + 2).split(' ')
    const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0)
    const title = readOrEmpty(`/proc/${pid}/cmdline`).replaceAll('\0', ' ')
    snapshot.set(Number(pid), { parent: Number(fields[1]), command, title, ticks })
  }
  return snapshot
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'latin1')
  } catch {
    return ''
  }
}

export type GroupOf = (pid: number, process: ProcessTime) => string

/**
 * Seconds of CPU each group used between two snapshots. A process started after `before`
 * counts from zero; one that exited is taken back from its parent's group (see above). A group
 * can only come out negative if the accounting missed something: it is reported on stderr and
 * left out.
 */
export function cpuSecondsBetween(
  before: CpuSnapshot,
  after: CpuSnapshot,
  groupOf: GroupOf,
): Map<string, number> {
  const ticksByGroup = new Map<string, number>()
  const add = (group: string, ticks: number) =>
    ticksByGroup.set(group, (ticksByGroup.get(group) ?? 0) + ticks)
  for (const [pid, time] of after) {
    add(groupOf(pid, time), time.ticks - (before.get(pid)?.ticks ?? 0))
  }
  for (const [pid, time] of before) {
    if (after.has(pid)) continue
    const parent = after.get(time.parent)
    add(parent ? groupOf(time.parent, parent) : groupOf(pid, time), -time.ticks)
  }
  const seconds = new Map<string, number>()
  for (const [group, ticks] of ticksByGroup) {
    if (ticks < 0) console.error(`cpu accounting: ${group} came out at ${ticks} ticks, left out`)
    else if (ticks > 0) seconds.set(group, ticks / TICKS_PER_SECOND)
  }
  return seconds
}
