// Checkpoints kept outside the log: the auditor's trusted copy, a checkpoint file handed over
// with an export, and the checkpoint directory the checkpointer publishes
// (`<dir>/<tenant_id>/<size>` and `<dir>/<tenant_id>/latest`).

import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { MAX_NOTE_BYTES } from '@auditseal/core'
import type { CheckpointCopy } from '../checkpoints.js'
import type { CheckpointSource } from '../findings.js'
import { VerifyError } from '../errors.js'

/** Reads one signed note from a file (at most MAX_NOTE_BYTES). */
export async function readCheckpointFile(
  path: string,
  source: CheckpointSource,
  label: string,
): Promise<CheckpointCopy> {
  return { source, label: `${label} ${path}`, note: await readNote(path) }
}

/** Every copy in `<dir>/<tenant>`: files named by a tree size, and `latest`. */
export async function readCheckpointDir(dir: string, tenant: string): Promise<CheckpointCopy[]> {
  const tenantDir = join(dir, tenant)
  let names: string[]
  try {
    names = await readdir(tenantDir)
  } catch (error) {
    throw new VerifyError(
      'IO',
      `cannot read the checkpoint directory ${tenantDir}: ${(error as Error).message}`,
      {
        cause: error,
      },
    )
  }
  const copies: CheckpointCopy[] = []
  for (const name of names.sort()) {
    if (name !== 'latest' && !/^(0|[1-9][0-9]{0,15})$/.test(name)) continue // temporary files
    const path = join(tenantDir, name)
    copies.push({
      source: 'checkpoint-dir',
      label: `checkpoint directory copy ${path}`,
      note: await readNote(path),
      ...(name === 'latest' ? {} : { statedSize: Number(name) }),
    })
  }
  return copies
}

async function readNote(path: string): Promise<string> {
  try {
    const info = await stat(path)
    if (info.size > MAX_NOTE_BYTES)
      throw new Error(`${info.size} bytes, more than a signed note may have`)
    return await readFile(path, 'utf8')
  } catch (error) {
    throw new VerifyError('IO', `cannot read the checkpoint ${path}: ${(error as Error).message}`, {
      cause: error,
    })
  }
}
