// The callers waiting for delivery: logSync() for one event's seal, flush() for the spool to
// drain up to a position. While anyone waits, the process is kept alive (everything else the
// SDK runs is unreferenced): `await audit.flush()` at the end of a script must wait for the
// server, not end the process with the promise unsettled.

import type { Position } from './spool/position.js'
import { comparePositions } from './spool/position.js'
import type { Acknowledgement } from './transport/types.js'

/** What logSync() resolves to: the event's place in its tenant's log. */
export type SealReceipt = Acknowledgement

interface Pending<T> {
  resolve(value: T): void
  reject(error: Error): void
  timer: NodeJS.Timeout | undefined
}

class KeepAlive {
  #holders = 0
  #timer: NodeJS.Timeout | undefined

  hold(): void {
    if (this.#holders++ === 0) this.#timer = setInterval(() => {}, 1 << 30)
  }

  release(): void {
    if (--this.#holders === 0) {
      clearInterval(this.#timer)
      this.#timer = undefined
    }
  }
}

const keepAlive = new KeepAlive()

function pending<T>(
  timeoutMs: number | undefined,
  onTimeout: () => Error,
  remove: (entry: Pending<T>) => void,
): { promise: Promise<T>; entry: Pending<T> } {
  let entry!: Pending<T>
  const promise = new Promise<T>((resolve, reject) => {
    keepAlive.hold()
    let settled = false
    const settle = (run: () => void) => {
      if (settled) return
      settled = true
      clearTimeout(entry.timer)
      keepAlive.release()
      remove(entry)
      run()
    }
    entry = {
      resolve: (value) => settle(() => resolve(value)),
      reject: (error) => settle(() => reject(error)),
      timer: undefined,
    }
    if (timeoutMs !== undefined) {
      entry.timer = setTimeout(() => entry.reject(onTimeout()), timeoutMs)
    }
  })
  return { promise, entry }
}

/** logSync() callers by event id. */
export class SealWaiters {
  readonly #byId = new Map<string, Pending<SealReceipt>[]>()

  get size(): number {
    return this.#byId.size
  }

  wait(id: string, timeoutMs: number, onTimeout: () => Error): Promise<SealReceipt> {
    const { promise, entry } = pending<SealReceipt>(timeoutMs, onTimeout, (done) => {
      const list = this.#byId.get(id)?.filter((e) => e !== done) ?? []
      if (list.length > 0) this.#byId.set(id, list)
      else this.#byId.delete(id)
    })
    const list = this.#byId.get(id)
    if (list) list.push(entry)
    else this.#byId.set(id, [entry])
    return promise
  }

  acknowledged(acks: readonly Acknowledgement[]): void {
    if (this.#byId.size === 0) return
    for (const ack of acks) {
      const { id, seq, leaf_hash, status } = ack
      for (const entry of this.#byId.get(id) ?? []) entry.resolve({ id, seq, leaf_hash, status })
    }
  }

  reject(id: string, error: Error): void {
    for (const entry of this.#byId.get(id) ?? []) entry.reject(error)
  }

  rejectAll(error: (id: string) => Error): void {
    for (const [id, list] of [...this.#byId]) for (const entry of list) entry.reject(error(id))
  }
}

/** flush() callers by the position the spool must be acknowledged up to. */
export class FlushWaiters {
  readonly #waiting = new Map<Pending<void>, Position>()

  get size(): number {
    return this.#waiting.size
  }

  wait(target: Position, timeoutMs: number | undefined, onTimeout: () => Error): Promise<void> {
    const { promise, entry } = pending<void>(timeoutMs, onTimeout, (done) =>
      this.#waiting.delete(done),
    )
    this.#waiting.set(entry, target)
    return promise
  }

  /** Resolves every caller whose target the watermark has reached. */
  progressed(watermark: Position): void {
    for (const [entry, target] of [...this.#waiting]) {
      if (comparePositions(watermark, target) >= 0) entry.resolve()
    }
  }

  rejectAll(error: Error): void {
    for (const entry of [...this.#waiting.keys()]) entry.reject(error)
  }
}
