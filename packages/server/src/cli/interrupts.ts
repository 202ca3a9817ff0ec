// SIGINT and SIGTERM during an export to a file: instead of the default (the process killed,
// its temporary file left behind), the export is made to fail like a broken write, so that
// its output is aborted and the process exits with the code the shell expects of the signal.

import { constants } from 'node:os'

/** SIGINT or SIGTERM ended an export to --out; its temporary file is already removed. */
export class ExportInterrupted extends Error {
  /** 128 + the signal's number, as a shell reports a process the signal ended: 130, 143. */
  readonly exitCode: number

  constructor(signal: NodeJS.Signals, path: string) {
    super(`export interrupted; ${path} was not written`)
    this.name = 'ExportInterrupted'
    this.exitCode = 128 + constants.signals[signal]
  }
}

const INTERRUPTS = ['SIGINT', 'SIGTERM'] as const

/** `signalled` rejects with ExportInterrupted on SIGINT or SIGTERM, until stop(). */
export function catchInterrupts(path: string): { signalled: Promise<never>; stop: () => void } {
  let onSignal: (signal: NodeJS.Signals) => void = () => {}
  const signalled = new Promise<never>((_resolve, reject) => {
    onSignal = (signal) => reject(new ExportInterrupted(signal, path))
  })
  signalled.catch(() => {}) // seen through the race in exportTo
  for (const signal of INTERRUPTS) process.on(signal, onSignal)
  return {
    signalled,
    stop: () => {
      for (const signal of INTERRUPTS) process.off(signal, onSignal)
    },
  }
}
