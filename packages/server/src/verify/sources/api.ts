// The log as the HTTP API serves it: its checkpoint list and its NDJSON export, the very
// lines `verify --export` checks. The API is only a transport: nothing it says is trusted.

import { fromBase64 } from '@auditseal/core'
import type { CheckpointCopy } from '../checkpoints.js'
import type { ApiClient } from './api-client.js'
import { exportRecords } from './export-file.js'
import type { EventRecord, LogSource } from './types.js'

export class ApiSource implements LogSource {
  readonly kind = 'api' as const

  constructor(
    private readonly client: ApiClient,
    private readonly treeSize: number,
  ) {}

  get label(): string {
    return this.client.label
  }

  async checkpoints(): Promise<CheckpointCopy[]> {
    return (await this.client.checkpoints()).map((entry, i): CheckpointCopy => {
      const root = entry.rootHash === undefined ? undefined : fromBase64(entry.rootHash)
      return {
        source: 'log',
        label:
          entry.treeSize === undefined
            ? `API checkpoint (entry ${i + 1} of the list)`
            : `API checkpoint ${entry.treeSize}`,
        note: entry.note,
        ...(entry.treeSize === undefined ? {} : { statedSize: entry.treeSize }),
        ...(root === undefined ? {} : { statedRoot: root }),
        ...(entry.problem === undefined ? {} : { malformed: entry.problem }),
      }
    })
  }

  async expectedEvents(): Promise<number> {
    return this.treeSize
  }

  async *events(): AsyncGenerator<EventRecord> {
    yield* exportRecords(await this.client.export('ndjson'))
  }

  async close(): Promise<void> {}
}
