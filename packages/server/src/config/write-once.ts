import { link, unlink, writeFile } from 'node:fs/promises'
import { temporaryPathFor } from '../fs/atomic-file.js'

/**
 * writeFileOnce creates `path` with `content` and `mode` unless it exists; returns whether it
 * did. The content goes to a temporary file first and is linked into place, which fails if
 * `path` exists: a concurrent reader sees the whole file or none, never a half-written one,
 * and an existing file (a key others rely on) is never replaced.
 */
export async function writeFileOnce(path: string, content: string, mode: number): Promise<boolean> {
  const temporary = temporaryPathFor(path)
  await writeFile(temporary, content, { mode, flag: 'wx' })
  try {
    await link(temporary, path)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  } finally {
    await unlink(temporary).catch(() => {})
  }
}
