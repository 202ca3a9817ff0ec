// Runs the language-neutral vectors of testdata/events.json, which other implementations
// (the browser verifier, a Go or Python reader) can run too.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { AuditEvent } from '@auditseal/core'
import { canonicalJson, eventLeafHash, nobleCrypto, toHex, validateEvent } from '@auditseal/core'

interface Vectors {
  valid: { description: string; event: unknown; canonical: string; leaf_hash_hex: string }[]
  invalid: {
    description: string
    event: unknown
    options?: { require_recorded_at?: boolean }
    path: string
    rule: string
  }[]
}

const vectors = JSON.parse(
  readFileSync(new URL('../../../../testdata/events.json', import.meta.url), 'utf8'),
) as Vectors

describe('testdata/events.json', () => {
  it('has vectors', () => {
    expect(vectors.valid.length).toBeGreaterThan(0)
    expect(vectors.invalid.length).toBeGreaterThan(0)
  })

  describe.each(vectors.valid)('valid: $description', ({ event, canonical, leaf_hash_hex }) => {
    it('validates', () => {
      expect(validateEvent(event, { requireRecordedAt: false })).toEqual({ ok: true, event })
    })

    it('canonicalizes to the expected text', () => {
      expect(canonicalJson(event as AuditEvent)).toBe(canonical)
    })

    it('has the expected leaf hash', () => {
      expect(toHex(eventLeafHash(nobleCrypto, event as AuditEvent))).toBe(leaf_hash_hex)
    })
  })

  it.each(vectors.invalid)('invalid: $description', ({ event, options, path, rule }) => {
    const result = validateEvent(event, { requireRecordedAt: options?.require_recorded_at })
    expect(result.ok).toBe(false)
    const issues = result.ok ? [] : result.issues
    expect(issues.map((issue) => ({ path: issue.path, rule: issue.rule }))).toEqual([
      { path, rule },
    ])
  })
})
