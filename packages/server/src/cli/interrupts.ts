// SIGINT and SIGTERM during an export to a file or a verification: instead of the default (the
// process killed, temporary files left behind), the command is made to fail, so that what it
// wrote is removed and the process exits with the code the shell expects of the signal.

import { constants } from 'node:os'

/** SIGINT or SIGTERM ended an export to --out; its temporary file is already removed. */
export class ExportInterrupted extends Error {
  /** 128 + the signal's number, as a shell reports a process the signal ended: 130, 143. */
  readonly exitCode: number

  constructor(signal: NodeJS.Signals, path: string) {
    super(`export interrupted; ${path} was not written`)
    this.name = 'ExportInterrupted'
    this.exitCode = signalExitCode(signal)
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

/** 128 + the signal's number: the exit code a shell reports for a process the signal ended. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + constants.signals[signal]
}

/**
 * Aborts `controller` with the signal's name on SIGINT, SIGTERM or SIGHUP, until the returned
 * function is called. Only the first signal is caught: a second one ends the process as it
 * would have without this (a Ctrl-C that seems to do nothing is pressed again).
 */
export function abortOnInterrupt(controller: AbortController): () => void {
  const signals = [...INTERRUPTS, 'SIGHUP'] as const
  const stop = () => {
    for (const signal of signals) process.off(signal, onSignal)
  }
  const onSignal = (signal: NodeJS.Signals) => {
    stop()
    controller.abort(signal)
  }
  for (const signal of signals) process.on(signal, onSignal)
  return stop
}

/**
 * Settles as `work` does, or, once `signal` is aborted, rejects with its reason after at most
 * `graceMs` — for work that notices the signal only between steps (a query or a request
 * under way), so that an interrupt is never ignored for long.
 */
export function settleOrInterrupt<T>(
  work: Promise<T>,
  signal: AbortSignal,
  graceMs: number,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const interrupted = new Promise<never>((_resolve, reject) => {
    const onAbort = () => {
      timer = setTimeout(() => reject(signal.reason), graceMs)
    }
    if (signal.aborted) onAbort()
    else signal.addEventListener('abort', onAbort, { once: true })
  })
  interrupted.catch(() => {})
  return Promise.race([work, interrupted]).finally(() => clearTimeout(timer))
}
