// The send-latency window's percentiles: nearest rank, the smallest sample with at least the
// fraction q of the samples at or below it (ceil(q × n)-th smallest).
import { describe, expect, it } from 'vitest'
import { LatencyWindow } from '../src/metrics/latency.js'

function window(samples: number[], size?: number): LatencyWindow {
  const w = new LatencyWindow(size)
  for (const sample of samples) w.record(sample)
  return w
}

describe('LatencyWindow.summary', () => {
  it('gives the lower of two samples as the median, not the maximum', () => {
    expect(window([20, 10]).summary()).toEqual({ count: 2, p50: 10, p99: 20, max: 20 })
  })

  it('gives the 50th and 99th of 1..100 as p50 and p99', () => {
    const samples = [...Array(100).keys()].map((i) => 100 - i)
    expect(window(samples).summary()).toEqual({ count: 100, p50: 50, p99: 99, max: 100 })
  })

  it('gives the one sample for every percentile, and zeros for none', () => {
    expect(window([7]).summary()).toEqual({ count: 1, p50: 7, p99: 7, max: 7 })
    expect(window([]).summary()).toEqual({ count: 0, p50: 0, p99: 0, max: 0 })
  })

  it('counts only the most recent samples once the ring is full', () => {
    expect(window([1000, 1, 2, 3], 3).summary()).toEqual({ count: 3, p50: 2, p99: 3, max: 3 })
  })
})
