// A small, honest timer: run `fn` in rounds until `minMs` has passed, report operations per
// second of the best round (the least disturbed by the other work on a shared machine).
export function opsPerSecond(fn: () => void, opsPerCall = 1, minMs = 400): number {
  for (let i = 0; i < 3; i++) fn() // warm up the JIT
  let best = 0
  const deadline = performance.now() + minMs
  while (performance.now() < deadline) {
    let calls = 0
    const start = performance.now()
    let elapsed = 0
    while (elapsed < 50) {
      fn()
      calls++
      elapsed = performance.now() - start
    }
    best = Math.max(best, (calls * opsPerCall * 1000) / elapsed)
  }
  return best
}

export function formatRate(value: number): string {
  return Math.round(value).toLocaleString('en-US').padStart(12)
}
