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

/**
 * Every copy in `<dir>/<tenant>`: files named by a tree size, and `latest`. A `dir` that cannot
 * be read is the auditor's mistake (exit 2); what is inside it is evidence: a copy that is too
 * large, not a file or unreadable is a malformed copy (a bad_signature finding), never a reason
 * to stop — whoever can write the published directory must not be able to halt an audit. A
 * tenant with no folder there has no copies, as one whose folder is empty; `warnings` says so.
 */
export async function readCheckpointDir(
  dir: string,
  tenant: string,
  warnings: string[],
): Promise<CheckpointCopy[]> {
  try {
    await readdir(dir)
  } catch (error) {
    throw new VerifyError(
      'IO',
      `cannot read the checkpoint directory ${dir}: ${(error as Error).message}`,
      { cause: error },
    )
  }
  const tenantDir = join(dir, tenant)
  let names: string[]
  try {
    names = await readdir(tenantDir)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      return [malformedCopy(tenantDir, `cannot read it: ${(error as Error).message}`)]
    }
    names = []
  }
  const copies: CheckpointCopy[] = []
  for (const name of names.sort()) {
    if (name !== 'latest' && !/^(0|[1-9][0-9]{0,15})$/.test(name)) continue // temporary files
    const path = join(tenantDir, name)
    const statedSize = name === 'latest' ? {} : { statedSize: Number(name) }
    try {
      copies.push({ ...copyAt(path), note: await readNote(path), ...statedSize })
    } catch (error) {
      if (!(error instanceof VerifyError)) throw error
      copies.push({ ...malformedCopy(path, error.reason), ...statedSize })
    }
  }
  if (copies.length === 0) {
    warnings.push(
      `the checkpoint directory ${dir} holds no copy for tenant ${tenant} (${tenantDir} ` +
        `${names.length === 0 ? 'is missing or empty' : 'holds no checkpoint file'}): only the log's own checkpoints were checked`,
    )
  }
  return copies
}

function copyAt(path: string): Pick<CheckpointCopy, 'source' | 'label'> {
  return { source: 'checkpoint-dir', label: `checkpoint directory copy ${path}` }
}

function malformedCopy(path: string, why: string): CheckpointCopy {
  return { ...copyAt(path), note: '', malformed: why }
}

/**
 * A file's text, at most MAX_NOTE_BYTES. A larger one, or one that is not a regular file, is
 * `notANote`'s error; one that cannot be read, an IO error. Either's `reason` says why alone.
 */
async function readNote(
  path: string,
  notANote: (why: string) => Error = (why) => cannotRead(path, why),
): Promise<string> {
  let size: number
  try {
    const stats = await stat(path)
    if (!stats.isFile()) throw notANote('not a file')
    size = stats.size
  } catch (error) {
    if (error instanceof VerifyError) throw error
    throw cannotRead(path, (error as Error).message, error)
  }
  if (size > MAX_NOTE_BYTES) throw notANote(`${size} bytes, more than a signed note may have`)
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    throw cannotRead(path, (error as Error).message, error)
  }
}

function cannotRead(path: string, why: string, cause?: unknown): VerifyError {
  return new VerifyError('IO', `cannot read the checkpoint ${path}: ${why}`, { cause, reason: why })
}
