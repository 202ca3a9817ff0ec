// The `auditseal` command npm links at install time (package.json "bin"). npm links a bin only
// if its file exists then, and `npm ci` in a fresh clone runs before `npm run build`: a bin in
// dist/ (git-ignored, built later) was never linked, and `npx auditseal` found nothing to run.

import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { copyFile, mkdir, mkdtemp, readFile, realpath, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const PACKAGE = fileURLToPath(new URL('../../', import.meta.url))

interface PackageJson {
  bin: Record<string, string>
  files: string[]
}

const pkg = JSON.parse(await readFile(join(PACKAGE, 'package.json'), 'utf8')) as PackageJson
const bin = join(PACKAGE, pkg.bin.auditseal as string)

async function node(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    return { code: 0, ...(await promisify(execFile)('node', args)) }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

describe('the auditseal bin', () => {
  it('is a committed file, not a build output, so a fresh clone’s npm ci can link it', () => {
    expect(relative(join(PACKAGE, 'dist'), bin).startsWith('..')).toBe(true)
    expect(existsSync(bin)).toBe(true)
  })

  it('is an executable Node script, and packed with the package', async () => {
    expect((await stat(bin)).mode & 0o111).toBe(0o111)
    expect((await readFile(bin, 'utf8')).startsWith('#!/usr/bin/env node\n')).toBe(true)
    expect(pkg.files).toContain(relative(PACKAGE, bin).split('/')[0])
  })

  it('runs the built command line, exit codes included', async () => {
    const help = await node(bin, '--help')
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/^Usage: auditseal /)
    const usage = await node(bin, 'keygen')
    expect(usage.code).toBe(2)
    expect(usage.stderr).toContain("required option '--name <name>' not specified")
  })

  describe('in a clone that is not built yet', () => {
    it('says in one line where to run `npm run build`, and exits 2', async () => {
      const root = await realpath(await mkdtemp(join(tmpdir(), 'auditseal-clone-')))
      try {
        const copy = join(root, relative(join(PACKAGE, '../..'), bin))
        await mkdir(join(copy, '..'), { recursive: true })
        await copyFile(bin, copy)
        expect(await node(copy, '--help')).toEqual({
          code: 2,
          stdout: '',
          stderr: `auditseal is not built yet: run \`npm run build\` in ${root}\n`,
        })
      } finally {
        await rm(root, { recursive: true, force: true })
      }
    })
  })
})
