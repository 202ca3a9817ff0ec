// The checkpoint directory: every signed note as `<dir>/<tenant_id>/<size>`, and the tenant's
// newest as `latest` — a copy outside the database, which its administrator cannot rewrite.
//
// The checkpoint is already committed when its files are written, so a failed write does not
// undo or hide it: the note is kept and written again on the next pass. Writes of one tenant
// go one at a time, and `latest` is never replaced by a smaller tree (two checkpoints signed
// in a row, by the loop and by a request, may finish writing in either order).

import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileAtomically } from '../fs/atomic-file.js'

export interface CheckpointNote {
  tenantId: string
  treeSize: number
  note: string
}

/** Notes kept for another try at most; past it the oldest is given up (and reported). */
const MAX_UNWRITTEN = 10_000

export class CheckpointFiles {
  readonly #queues = new Map<string, Promise<void>>()
  /** Notes whose files could not be written yet, by `<tenant>/<size>`, oldest first. */
  readonly #unwritten = new Map<string, CheckpointNote>()

  constructor(
    readonly dir: string,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  /** Notes waiting for another try. */
  get unwritten(): number {
    return this.#unwritten.size
  }

  /** Writes the note's files; rejects if they could not be (the note is kept for retry()). */
  write(checkpoint: CheckpointNote): Promise<void> {
    const key = `${checkpoint.tenantId}/${checkpoint.treeSize}`
    return this.#inTurn(checkpoint.tenantId, async () => {
      try {
        await this.#writeNow(checkpoint)
        this.#unwritten.delete(key)
      } catch (error) {
        this.#keep(key, checkpoint)
        throw new Error(
          `checkpoint ${key} is signed but its file could not be written to ${this.dir} (${(error as Error).message}); it is tried again on the next pass`,
          { cause: error },
        )
      }
    })
  }

  /**
   * Tries the notes whose files could not be written before, oldest first, until one fails:
   * a directory that refuses one refuses the rest, so it is reported once per pass (with how
   * many wait), not once per note, and signing is not held up behind thousands of writes.
   */
  async retry(): Promise<void> {
    for (const checkpoint of [...this.#unwritten.values()]) {
      try {
        await this.write(checkpoint)
      } catch (error) {
        this.onError(new Error(`${(error as Error).message} (${this.unwritten} notes wait)`))
        return
      }
    }
  }

  #keep(key: string, checkpoint: CheckpointNote): void {
    this.#unwritten.set(key, checkpoint)
    if (this.#unwritten.size <= MAX_UNWRITTEN) return
    const [oldest] = this.#unwritten.keys()
    if (oldest === undefined) return
    this.#unwritten.delete(oldest)
    this.onError(new Error(`checkpoint ${oldest} is not written to ${this.dir}: gave up on it`))
  }

  /** Runs `task` after the tenant's writes before it. */
  #inTurn(tenantId: string, task: () => Promise<void>): Promise<void> {
    const previous = this.#queues.get(tenantId) ?? Promise.resolve()
    const done = previous.then(task)
    const settled = done.catch(() => {})
    this.#queues.set(tenantId, settled)
    void settled.then(() => {
      if (this.#queues.get(tenantId) === settled) this.#queues.delete(tenantId)
    })
    return done
  }

  async #writeNow({ tenantId, treeSize, note }: CheckpointNote): Promise<void> {
    const tenantDir = join(this.dir, tenantId)
    await mkdir(tenantDir, { recursive: true })
    await writeFileAtomically(join(tenantDir, String(treeSize)), note)
    const current = await latestSize(join(tenantDir, 'latest'))
    if (current === undefined || current < treeSize)
      await writeFileAtomically(join(tenantDir, 'latest'), note)
  }
}

/** The tree size of the note in `latest` (its second line), or undefined if none is there. */
async function latestSize(path: string): Promise<number | undefined> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  const size = Number(text.split('\n')[1])
  // Unreadable: replace it with a note that is.
  return Number.isSafeInteger(size) ? size : undefined
}
