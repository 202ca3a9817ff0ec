import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  createAtomicFile,
  temporaryPathFor,
  writeFileAtomically,
} from '../../src/fs/atomic-file.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'auditseal-atomic-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('temporaryPathFor', () => {
  it('names a hidden file beside the target, different every time', () => {
    const target = join(dir, 'export.ndjson')
    const names = new Set(Array.from({ length: 100 }, () => temporaryPathFor(target)))
    expect(names.size).toBe(100)
    for (const name of names) {
      expect(name.startsWith(join(dir, '.export.ndjson.'))).toBe(true)
      expect(name.endsWith('.tmp')).toBe(true)
    }
  })
})

describe('writeFileAtomically', () => {
  it('replaces the file with the new content and the mode asked for, leaving nothing else', async () => {
    const target = join(dir, 'note')
    await writeFile(target, 'old')
    await writeFileAtomically(target, 'new', 0o600)
    expect(await readFile(target, 'utf8')).toBe('new')
    expect((await stat(target)).mode & 0o777).toBe(0o600)
    expect(await readdir(dir)).toEqual(['note'])
  })

  it('throws and leaves no temporary file when the target cannot be replaced', async () => {
    const target = join(dir, 'taken')
    await mkdir(target) // renaming a file over a directory fails
    await expect(writeFileAtomically(target, 'x')).rejects.toMatchObject({ code: 'EISDIR' })
    expect(await readdir(dir)).toEqual(['taken'])
  })

  it('is not stopped by temporary files a killed earlier run left behind', async () => {
    const target = join(dir, 'note')
    await writeFile(join(dir, 'note.1.tmp'), 'left over')
    await writeFile(join(dir, '.note.left-over.tmp'), 'left over')
    await writeFileAtomically(target, 'written')
    expect(await readFile(target, 'utf8')).toBe('written')
  })
})

describe('createAtomicFile', () => {
  it('shows nothing under the name until commit, then all of it', async () => {
    const target = join(dir, 'out.csv')
    const file = await createAtomicFile(target)
    file.stream.write('a,b\n')
    file.stream.write('1,2\n')
    await expect(stat(target)).rejects.toMatchObject({ code: 'ENOENT' })
    await file.commit()
    expect(await readFile(target, 'utf8')).toBe('a,b\n1,2\n')
    expect(await readdir(dir)).toEqual(['out.csv'])
  })

  it('abort leaves the previous file as it was and removes what was written', async () => {
    const target = join(dir, 'out.csv')
    await writeFile(target, 'previous')
    const file = await createAtomicFile(target)
    file.stream.write('partial')
    await file.abort()
    expect(await readFile(target, 'utf8')).toBe('previous')
    expect(await readdir(dir)).toEqual(['out.csv'])
  })

  it('a commit that cannot rename throws and removes the temporary file', async () => {
    const target = join(dir, 'taken')
    const file = await createAtomicFile(target)
    file.stream.write('x')
    await mkdir(target)
    await expect(file.commit()).rejects.toMatchObject({ code: 'EISDIR' })
    expect(await readdir(dir)).toEqual(['taken'])
  })

  it('two writers of the same name do not collide; the later commit wins', async () => {
    const target = join(dir, 'out')
    const first = await createAtomicFile(target)
    const second = await createAtomicFile(target)
    first.stream.write('first')
    second.stream.write('second')
    await first.commit()
    await second.commit()
    expect(await readFile(target, 'utf8')).toBe('second')
    expect(await readdir(dir)).toEqual(['out'])
  })
})
