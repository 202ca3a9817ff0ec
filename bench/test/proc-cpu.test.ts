import { describe, expect, it } from 'vitest'
import { cpuSecondsBetween, cpuSnapshot } from '../proc-cpu.js'
import type { CpuSnapshot, ProcessTime } from '../proc-cpu.js'

const POSTMASTER = 100
const proc = (parent: number, ticks: number, command = 'postgres'): ProcessTime => ({
  parent,
  command,
  title: '',
  ticks,
})
const byCommand = (_pid: number, { command }: ProcessTime) => command

describe('cpuSecondsBetween', () => {
  it('counts each process’s ticks since the first snapshot, and new processes from zero', () => {
    const before: CpuSnapshot = new Map([[1, proc(0, 500, 'node')]])
    const after: CpuSnapshot = new Map([
      [1, proc(0, 650, 'node')],
      [2, proc(0, 40, 'node')],
    ])
    expect(cpuSecondsBetween(before, after, byCommand)).toEqual(new Map([['node', 1.9]]))
  })

  it('takes an exited child’s earlier life back from its parent, which the kernel credited', () => {
    // A backend used 300 ticks before the measurement and 20 during it, then exited: the
    // postmaster's cutime grew by all 320.
    const before: CpuSnapshot = new Map([
      [POSTMASTER, proc(1, 1_000)],
      [7, proc(POSTMASTER, 300)],
    ])
    const after: CpuSnapshot = new Map([[POSTMASTER, proc(1, 1_320)]])
    expect(cpuSecondsBetween(before, after, byCommand)).toEqual(new Map([['postgres', 0.2]]))
  })

  it('reads this machine’s processes, this one among them', () => {
    const snapshot = cpuSnapshot()
    if (snapshot === undefined) return // no /proc: nothing to read
    expect(snapshot.get(process.pid)?.command).toBe('node')
  })
})
