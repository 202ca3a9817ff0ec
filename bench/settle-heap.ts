// Collects the garbage a benchmark made while preparing its input, so that the measured
// section does not pay for it (promoting or sweeping hundreds of thousands of prepared events
// otherwise lands in whichever measurement comes next). Node exposes gc() only behind a V8
// flag; setting it at run time and reading gc from a fresh context is the documented way.
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

export function settleHeap(): void {
  gc() // the first pass promotes survivors of the young generation
  gc()
}
