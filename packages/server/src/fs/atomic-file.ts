// Files that appear whole or not at all. Everything is written to a temporary file beside the
// target (the same directory, so the final rename is atomic), then renamed over it; on any
// failure the temporary file is removed and the target is as it was. The temporary name
// carries random bytes: a pid alone repeats (a container's process is always pid 1), and a
// name left behind by a killed run must never block or collide with the next one.

import { randomUUID } from 'node:crypto'
import type { FileHandle } from 'node:fs/promises'
import { open, rename, rm, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import type { WriteStream } from 'node:fs'
import { finished } from 'node:stream/promises'

/** A fresh hidden name beside `path`, e.g. `dir/.export.ndjson.<uuid>.tmp`. */
export function temporaryPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomUUID()}.tmp`)
}

/** Replaces `path` with `content` atomically; throws the file system's error, leaving no trace. */
export async function writeFileAtomically(
  path: string,
  content: string,
  mode = 0o644,
): Promise<void> {
  const temporary = temporaryPathFor(path)
  try {
    await writeFile(temporary, content, { mode, flag: 'wx' })
    await rename(temporary, path)
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => {})
    throw error
  }
}

/** A stream into a temporary file that becomes `path` on commit() and vanishes on abort(). */
export interface AtomicFile {
  readonly stream: WriteStream
  /** Ends the stream, waits for every byte to be written, then renames it into place. */
  commit(): Promise<void>
  /** Drops what was written; `path` is left as it was. Never throws. */
  abort(): Promise<void>
}

/** Opens a temporary file beside `path` for streaming writes (see AtomicFile). */
export async function createAtomicFile(path: string, mode = 0o644): Promise<AtomicFile> {
  const temporary = temporaryPathFor(path)
  const file: FileHandle = await open(temporary, 'wx', mode)
  const stream = file.createWriteStream()
  const discard = async () => {
    stream.destroy()
    await finished(stream).catch(() => {})
    await rm(temporary, { force: true }).catch(() => {})
  }
  return {
    stream,
    async commit() {
      stream.end()
      try {
        await finished(stream)
        await rename(temporary, path)
      } catch (error) {
        await discard()
        throw error
      }
    },
    abort: discard,
  }
}
