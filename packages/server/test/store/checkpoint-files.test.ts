import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CheckpointFiles } from '../../src/store/checkpoint-files.js'

const TENANT = '0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b'
/** A note's shape as far as the files care: origin, size, root, then the signatures. */
const note = (size: number) => `example.test/${TENANT}\n${size}\nroot${size}=\n\n— sig\n`

describe('the checkpoint directory', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'auditseal-checkpoint-files-'))
  })
  afterEach(() => rm(dir, { recursive: true, force: true }))

  it('keeps latest at the largest tree, whatever order the writes finish in', async () => {
    const files = new CheckpointFiles(dir)
    // Signed in a row (20 after 10), handed over in the other order, all at once.
    await Promise.all(
      [20, 10, 15].map((size) =>
        files.write({ tenantId: TENANT, treeSize: size, note: note(size) }),
      ),
    )
    expect(await readFile(join(dir, TENANT, 'latest'), 'utf8')).toBe(note(20))
    expect((await readdir(join(dir, TENANT))).sort()).toEqual(['10', '15', '20', 'latest'])
    await files.write({ tenantId: TENANT, treeSize: 30, note: note(30) })
    expect(await readFile(join(dir, TENANT, 'latest'), 'utf8')).toBe(note(30))
  })

  it('leaves no temporary file behind, and replaces a latest it cannot read', async () => {
    const files = new CheckpointFiles(dir)
    await files.write({ tenantId: TENANT, treeSize: 3, note: 'garbage' })
    await files.write({ tenantId: TENANT, treeSize: 2, note: note(2) })
    expect(await readFile(join(dir, TENANT, 'latest'), 'utf8')).toBe(note(2))
    expect((await readdir(join(dir, TENANT))).sort()).toEqual(['2', '3', 'latest'])
  })

  it('keeps a note it could not write and writes it on retry', async () => {
    const errors: unknown[] = []
    const blocked = join(dir, 'blocked')
    const files = new CheckpointFiles(blocked, (e) => errors.push(e))
    await rm(blocked, { force: true })
    await import('node:fs/promises').then((fs) => fs.writeFile(blocked, 'a file, not a folder'))
    await expect(files.write({ tenantId: TENANT, treeSize: 7, note: note(7) })).rejects.toThrow(
      /is signed but its file could not be written/,
    )
    expect(files.unwritten).toBe(1)
    await files.write({ tenantId: TENANT, treeSize: 8, note: note(8) }).catch(() => {})
    await files.write({ tenantId: TENANT, treeSize: 9, note: note(9) }).catch(() => {})
    await files.retry() // still blocked: reported once for the three, all kept
    expect(errors).toHaveLength(1)
    expect(String(errors[0])).toMatch(/\(3 notes wait\)/)
    expect(files.unwritten).toBe(3)

    await rm(blocked)
    await files.retry()
    expect(files.unwritten).toBe(0)
    expect(await readFile(join(blocked, TENANT, '7'), 'utf8')).toBe(note(7))
    expect(await readFile(join(blocked, TENANT, 'latest'), 'utf8')).toBe(note(9))
  })
})
