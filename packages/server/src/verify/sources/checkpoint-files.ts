// Checkpoints kept outside the log: the auditor's trusted copy, a checkpoint file handed over
// with an export, and the checkpoint directory the checkpointer publishes
// (`<dir>/<tenant_id>/<size>` and `<dir>/<tenant_id>/latest`).

import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { AuditsealError, MAX_NOTE_BYTES, openNote, parseCheckpoint } from '@auditseal/core'
import { nodeCrypto } from '../../crypto/node-crypto.js'
import type { CheckpointCopy } from '../checkpoints.js'
import type { CheckpointSource } from '../findings.js'
import { VerifyError } from '../errors.js'

/**
 * Reads the signed checkpoint a flag names (`--trusted`, `--checkpoint`). A file that is not a
 * signed checkpoint note at all — an export given by mistake — is a usage error naming the
 * flag (exit 2). One that is a note but does not verify is opened later, with the key, and
 * is a bad_signature finding: what the auditor must hear about.
 */
export async function readCheckpointFile(
  path: string,
  source: CheckpointSource,
  label: string,
  flag: string,
): Promise<CheckpointCopy> {
  const notANote = (why: string) =>
    new VerifyError('USAGE', `${flag}: ${path} is not a signed checkpoint note (${why})`)
  const note = await readNote(path, notANote)
  const why = checkpointNoteProblem(note)
  if (why !== undefined) throw notANote(why)
  return { source, label: `${label} ${path}`, note }
}

/**
 * What keeps `note` from being a signed checkpoint note (c2sp.org/signed-note holding a
 * c2sp.org/tlog-checkpoint), signatures unchecked; undefined when nothing does. openNote
 * with no trusted keys checks the whole form and then refuses only for want of a trusted
 * signature (NOTE_UNVERIFIED) — Go's note.Open with no verifiers, likewise.
 */
function checkpointNoteProblem(note: string): string | undefined {
  try {
    openNote(nodeCrypto, note, []) // no key: nothing is verified, the crypto goes unused
  } catch (error) {
    if (!(error instanceof AuditsealError)) throw error
    if (error.code !== 'NOTE_UNVERIFIED') return error.message
  }
  try {
    parseCheckpoint(note.slice(0, note.lastIndexOf('\n\n') + 1)) // openNote's text
  } catch (error) {
    if (!(error instanceof AuditsealError)) throw error
    return error.message
  }
  return undefined
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

/** A file's text, at most MAX_NOTE_BYTES; a larger one is `tooLarge`'s error, by default IO. */
async function readNote(
  path: string,
  tooLarge: (why: string) => Error = (why) =>
    new VerifyError('IO', `cannot read the checkpoint ${path}: ${why}`),
): Promise<string> {
  let size: number
  try {
    size = (await stat(path)).size
  } catch (error) {
    throw cannotRead(path, error)
  }
  if (size > MAX_NOTE_BYTES) throw tooLarge(`${size} bytes, more than a signed note may have`)
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    throw cannotRead(path, error)
  }
}

function cannotRead(path: string, error: unknown): VerifyError {
  return new VerifyError('IO', `cannot read the checkpoint ${path}: ${(error as Error).message}`, {
    cause: error,
  })
}
