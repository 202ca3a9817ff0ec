// Checks an NDJSON export's events in parallel: the file is read in 1 MiB chunks, cut at the
// last newline into batches of whole lines, and each batch is checked (export-batch.ts) on
// one of a few worker threads while the caller consumes earlier results in order — the
// Merkle frontier, seq tracking and checkpoints stay on the caller's thread. At most two
// batches per worker are in flight, so memory stays bounded whatever the file's size. Where
// workers cannot run (no compiled worker, a custom crypto provider) batches are checked here.

import { createReadStream } from 'node:fs'
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import type { TreeHasher } from '@auditseal/core'
import { compiledWorker } from '../compiled-worker.js'
import type { CheckedBatch } from './export-batch.js'
import { checkLines, checkRecords, TOO_LONG } from './export-batch.js'
import { MAX_LINE_BYTES } from './lines.js'

const CHUNK_BYTES = 1024 * 1024
const NEWLINE = 0x0a

/** Batches of whole lines (and too-long markers) of a byte stream, in order. */
export async function* lineBatches(
  chunks: AsyncIterable<Uint8Array>,
): AsyncGenerator<Buffer | typeof TOO_LONG> {
  let carry: Buffer | undefined
  let skipping = false
  for await (const chunk of chunks) {
    let buffer = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    if (skipping) {
      const end = buffer.indexOf(NEWLINE)
      if (end < 0) continue
      skipping = false
      buffer = buffer.subarray(end + 1)
    }
    const last = buffer.lastIndexOf(NEWLINE)
    if (last < 0) {
      carry = carry === undefined ? Buffer.from(buffer) : Buffer.concat([carry, buffer])
    } else {
      // A copy of its own, so it can be transferred to a worker.
      const head = buffer.subarray(0, last + 1)
      const whole = Buffer.allocUnsafeSlow((carry?.length ?? 0) + head.length)
      if (carry !== undefined) carry.copy(whole, 0)
      head.copy(whole, carry?.length ?? 0)
      yield whole
      carry = last + 1 < buffer.length ? Buffer.from(buffer.subarray(last + 1)) : undefined
    }
    if (carry !== undefined && carry.length > MAX_LINE_BYTES) {
      carry = undefined
      skipping = true
      yield TOO_LONG
    }
  }
  if (carry !== undefined && carry.length > 0) yield carry
}

/** The compiled worker, or undefined when there is none as new as the code it runs. */
export function workerUrl(): URL | undefined {
  return compiledWorker('check-worker', [
    'event-check',
    'columns',
    'sources/export-line',
    'sources/export-batch',
  ])
}

export interface ParallelOptions {
  tenant: string
  hasher: Pick<TreeHasher, 'leafHash'>
  /** Worker threads to check on; 0: check on this thread. */
  workers: number
  /** The byte to start reading at (the start of a line); default 0. */
  start?: number
}

/** The checked batches of an export file, in file order. */
export async function* checkedBatches(
  path: string,
  options: ParallelOptions,
): AsyncGenerator<CheckedBatch> {
  const source = lineBatches(
    createReadStream(path, { highWaterMark: CHUNK_BYTES, start: options.start ?? 0 }),
  )
  const url = options.workers > 0 ? workerUrl() : undefined
  const count = url === undefined ? 0 : Math.floor(options.workers)
  if (count === 0) {
    for await (const item of source) yield checkItem(item, options)
    return
  }
  const pool = Array.from(
    { length: count },
    () => new Worker(url as URL, { workerData: { tenant: options.tenant } }),
  )
  const waiting = new Map<number, (batch: CheckedBatch) => void>()
  let failure: ((error: Error) => void) | undefined
  const failed = new Promise<never>((_, reject) => (failure = reject))
  failed.catch(() => {})
  for (const worker of pool) {
    worker.on('message', ({ id, batch }: { id: number; batch: CheckedBatch }) => {
      waiting.get(id)?.(batch)
      waiting.delete(id)
    })
    worker.on('error', (error) => failure?.(error))
  }
  const queue: Promise<CheckedBatch>[] = []
  let next = 0
  try {
    for await (const item of source) {
      if (item === TOO_LONG || !Buffer.isBuffer(item)) {
        queue.push(Promise.resolve(checkItem(item, options)))
      } else {
        const id = next++
        const worker = pool[id % count] as Worker
        const whole = item.byteOffset === 0 && item.length === item.buffer.byteLength
        const bytes = (
          whole ? item.buffer : item.buffer.slice(item.byteOffset, item.byteOffset + item.length)
        ) as ArrayBuffer
        queue.push(
          Promise.race([new Promise<CheckedBatch>((resolve) => waiting.set(id, resolve)), failed]),
        )
        worker.postMessage({ id, bytes }, [bytes])
      }
      while (queue.length >= 2 * count) yield await (queue.shift() as Promise<CheckedBatch>)
    }
    while (queue.length > 0) yield await (queue.shift() as Promise<CheckedBatch>)
  } finally {
    await Promise.all(pool.map((worker) => worker.terminate()))
  }
}

/**
 * How many workers pay off: one per core but the one this thread needs for reading, the
 * frontier and the bookkeeping. On two cores or fewer none do (measured: a worker per core
 * competing with this thread was slower than checking here, see docs/verify.md).
 */
export function defaultWorkers(): number {
  const cores = availableParallelism()
  return cores > 2 ? cores - 1 : 0
}

function checkItem(item: Buffer | typeof TOO_LONG, options: ParallelOptions): CheckedBatch {
  return Buffer.isBuffer(item)
    ? checkLines(item, options.tenant, options.hasher)
    : checkRecords([item], options.tenant, options.hasher)
}
