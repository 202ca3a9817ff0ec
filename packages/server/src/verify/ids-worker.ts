// A worker thread of the export verifier: finds the ids an export holds more than once
// (sources/export-ids.ts) while the verifier's own thread checks the events.

import { parentPort, workerData } from 'node:worker_threads'
import { scanExportIds } from './sources/export-ids.js'

const { path, limit, tmpDir } = workerData as { path: string; limit: number; tmpDir?: string }

scanExportIds(path, limit, tmpDir).then(
  (result) => parentPort?.postMessage({ result }),
  (error: unknown) => parentPort?.postMessage({ error: (error as Error).message }),
)
