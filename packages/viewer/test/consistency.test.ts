import { toBase64 } from '@auditseal/core'
import type { Checkpoint } from '@auditseal/core'
import { describe, expect, it } from 'vitest'
import { checkAgainstTrusted, checkLogConsistency, openLatest } from '../src/verify/consistency.js'
import { signedLog } from './support/signed-log.js'

const log = signedLog()

function opened(size: number) {
  const result = openLatest(log.checkpoint(size), log.verifier)
  if (!result.ok) throw new Error(result.reason)
  return result.checkpoint
}

function trusted(size: number) {
  return {
    size,
    rootHash: toBase64(log.root(size)),
    note: log.checkpoint(size),
    verifiedAt: '2024-06-12T08:31:00.000Z',
  }
}

describe('checkLogConsistency', () => {
  it('accepts an append-only extension (RFC 9162 §2.1.4 proof from 2 to 3)', () => {
    // The proof from tree 2 to tree 3: 2 is a power of two, so only the new leaf's hash.
    const leaf2 = log.events[2]?.leaf_hash as string
    const outcome = checkLogConsistency(trusted(2), opened(3), [leaf2])
    expect(outcome).toMatchObject({ ok: true, detail: 'tree 2 → 3: append-only (1 proof hash)' })
  })

  it('accepts the same checkpoint again with an empty proof', () => {
    expect(checkLogConsistency(trusted(3), opened(3), []).ok).toBe(true)
  })

  describe('when the log rewrote history', () => {
    it('rejects a proof that does not link the roots', () => {
      const leaf0 = log.events[0]?.leaf_hash as string
      const outcome = checkLogConsistency(trusted(2), opened(3), [leaf0])
      expect(outcome).toMatchObject({ ok: false })
      expect(!outcome.ok && outcome.reason).toMatch(/is not a prefix of tree 3/)
    })

    it('rejects a log that shrank', () => {
      const outcome = checkLogConsistency(trusted(3), opened(2), [])
      expect(!outcome.ok && outcome.reason).toMatch(/shrank/)
    })
  })

  describe('openLatest', () => {
    it('rejects a checkpoint whose signature does not verify', () => {
      const note = log.checkpoint(3).replace('\n3\n', '\n4\n')
      const result = openLatest(note, log.verifier)
      expect(result.ok).toBe(false)
      expect(!result.ok && result.reason).toMatch(/not signed by the pinned key/)
    })
  })
})

describe('checkAgainstTrusted (the checkpoint an event was proven against)', () => {
  const leaf2 = log.events[2]?.leaf_hash as string

  it('accepts the trusted checkpoint itself, and a larger one with a consistency proof', () => {
    expect(checkAgainstTrusted(trusted(3), opened(3), [], 1)).toMatchObject({ ok: true })
    expect(checkAgainstTrusted(trusted(2), opened(3), [leaf2], 1)).toMatchObject({
      ok: true,
      detail: 'tree 2 → 3: append-only, with the trusted checkpoint of 2 leaves',
    })
    // An event past the trusted size was appended after it, and the detail says so.
    expect(checkAgainstTrusted(trusted(2), opened(3), [leaf2], 2)).toMatchObject({
      ok: true,
      detail: expect.stringContaining(
        'the event (seq 2) was appended after the trusted checkpoint of 2 leaves',
      ),
    })
  })

  it('accepts a smaller one whose tree the trusted one extends', () => {
    expect(checkAgainstTrusted(trusted(3), opened(2), [leaf2], 1)).toMatchObject({ ok: true })
  })

  it('rejects another root signed for the trusted size: a fork', () => {
    const forked: Checkpoint = { ...opened(3), rootHash: log.root(2) }
    const outcome = checkAgainstTrusted(trusted(3), forked, [], 1)
    expect(outcome.ok).toBe(false)
    expect(!outcome.ok && outcome.reason).toMatch(/two signed roots for tree size 3/)
  })

  it('rejects a damaged trusted checkpoint: an empty tree with another root than the empty one', () => {
    const empty = { ...trusted(3), size: 0 }
    const outcome = checkAgainstTrusted(empty, opened(3), [], 1)
    expect(!outcome.ok && outcome.reason).toMatch(/damaged/)
  })

  it('rejects a larger or smaller tree the proof does not link to the trusted one', () => {
    const leaf0 = log.events[0]?.leaf_hash as string
    for (const [from, to] of [
      [2, 3],
      [3, 2],
    ] as const) {
      const outcome = checkAgainstTrusted(trusted(from), opened(to), [leaf0], 1)
      expect(outcome.ok, `${from} → ${to}`).toBe(false)
      expect(!outcome.ok && outcome.reason).toMatch(/forked or rewritten/)
    }
  })
})
