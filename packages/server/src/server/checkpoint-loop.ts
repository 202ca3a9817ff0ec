// Runs the checkpointer every interval, as Checkpointer.start() does, and reports each new
// checkpoint (to the app's metrics). The store's loop does not say what it signed; this one
// calls runOnce() itself so that it can. stop() ends the loop and lets the checkpointer sign
// its final pass.

import type { Checkpointer, StoredCheckpoint } from '../store/checkpointer.js'

export interface CheckpointLoop {
  stop(): Promise<void>
}

export function startCheckpointLoop(
  checkpointer: Checkpointer,
  options: {
    intervalMs: number
    onSigned: (checkpoint: StoredCheckpoint) => void
    onError: (error: unknown) => void
  },
): CheckpointLoop {
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> = Promise.resolve()
  let stopped = false
  const tick = () => {
    running = checkpointer
      .runOnce()
      .then((signed) => signed.forEach(options.onSigned))
      .catch(options.onError)
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, options.intervalMs)
      })
  }
  timer = setTimeout(tick, options.intervalMs)
  return {
    async stop() {
      stopped = true
      clearTimeout(timer)
      await running
      await checkpointer.stop() // its own loop never ran; this is the final signing pass
    },
  }
}
