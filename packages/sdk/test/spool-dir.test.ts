// A spoolDir the SDK cannot use: createAuditLogger refuses it with an AuditSdkError SPOOL_IO
// that names the option and the path, the OS's error kept as its cause.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { AuditSdkError, createAuditLogger } from '../src/index.js'
import { tempDir } from './support/temp.js'

function open(spoolDir: string) {
  return () =>
    createAuditLogger({ url: 'http://127.0.0.1:9', apiKey: 'k', spoolDir, logger: false })
}

function refusal(spoolDir: string, code: string) {
  return expect.objectContaining({
    name: 'AuditSdkError',
    code: 'SPOOL_IO',
    message: expect.stringContaining(`spoolDir ${JSON.stringify(spoolDir)}`),
    cause: expect.objectContaining({ code }),
  })
}

describe('a spoolDir that cannot be a spool', () => {
  it('is refused when it is a regular file (EEXIST)', () => {
    const spoolDir = join(tempDir(), 'spool')
    writeFileSync(spoolDir, 'not a directory')
    expect(open(spoolDir)).toThrow(AuditSdkError)
    expect(open(spoolDir)).toThrow(refusal(spoolDir, 'EEXIST'))
  })

  it('is refused when a directory above it is a regular file (ENOTDIR)', () => {
    const file = join(tempDir(), 'file')
    writeFileSync(file, 'not a directory')
    const spoolDir = join(file, 'spool')
    expect(open(spoolDir)).toThrow(refusal(spoolDir, 'ENOTDIR'))
  })

  // root may write anywhere: the refusal cannot be provoked.
  it.skipIf(process.getuid?.() === 0)('is refused when it may not be written (EACCES)', () => {
    const parent = join(tempDir(), 'read-only')
    mkdirSync(parent, { mode: 0o500 })
    const spoolDir = join(parent, 'spool')
    try {
      expect(open(spoolDir)).toThrow(refusal(spoolDir, 'EACCES'))
    } finally {
      chmodSync(parent, 0o700)
    }
  })
})
