// The checkpoint directory is checked once at start: a path that can never be written (its
// parent a file, a read-only mount, no permission) would otherwise only show as an error line
// on every checkpoint pass, while the outside copies it exists for are never made.

import { randomUUID } from 'node:crypto'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ConfigError } from '../config/errors.js'

/** Creates `dir` if needed and writes and removes a file in it; a ConfigError says why not. */
export async function checkCheckpointDir(dir: string): Promise<void> {
  const probe = join(dir, `.write-check.${randomUUID()}`)
  try {
    await mkdir(dir, { recursive: true })
    await writeFile(probe, '', { flag: 'wx' })
  } catch (error) {
    throw new ConfigError(
      `checkpoint directory ${dir} cannot be written: ${(error as Error).message} ` +
        '(--checkpoint-dir, AUDITSEAL_CHECKPOINT_DIR)',
      { cause: error },
    )
  } finally {
    await rm(probe, { force: true }).catch(() => {})
  }
}
