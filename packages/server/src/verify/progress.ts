// The progress bar of long runs: cli-progress on a terminal's stderr, nothing otherwise (a
// pipe or a file gets no control characters). Updates are batched: redrawing per event
// would cost more than verifying it.

import cliProgress from 'cli-progress'

export interface Progress {
  /** `total` is an estimate (events, or bytes); undefined shows a counter without a bar. */
  start(total: number | undefined, unit: string): void
  tick(count?: number): void
  /** Sets the count, e.g. back to what stands after lines were read ahead and re-read. */
  set(count: number): void
  stop(): void
}

export const NO_PROGRESS: Progress = { start() {}, tick() {}, set() {}, stop() {} }

const REDRAW_EVERY = 4096

/** A progress bar on `stream` if it is a terminal, else NO_PROGRESS. */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return NO_PROGRESS
  let bar: cliProgress.SingleBar | undefined
  let value = 0
  let unsaid = 0
  return {
    start(total, unit) {
      const format =
        total === undefined
          ? `{value} ${unit} | {duration_formatted}`
          : `{bar} {percentage}% | {value}/{total} ${unit} | ETA {eta_formatted}`
      bar = new cliProgress.SingleBar(
        { stream, format, hideCursor: true, clearOnComplete: true, fps: 5 },
        cliProgress.Presets.shades_classic,
      )
      bar.start(total ?? 0, 0)
    },
    tick(count = 1) {
      value += count
      unsaid += count
      if (unsaid < REDRAW_EVERY || bar === undefined) return
      unsaid = 0
      if (value > bar.getTotal() && bar.getTotal() > 0) bar.setTotal(value)
      bar.update(value)
    },
    set(count) {
      value = count
      unsaid = 0
      bar?.update(value)
    },
    stop() {
      bar?.update(value)
      bar?.stop()
      bar = undefined
    },
  }
}
