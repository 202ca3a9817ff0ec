// The viewer's verification chain, step by step, in Node. The same code runs in the browser
// in viewer.e2e.test.ts.
import { eventLeafHash, generateSigningKey, nobleCrypto, toBase64 } from '@auditseal/core'
import type { AuditEvent } from '@auditseal/core'
import { describe, expect, it } from 'vitest'
import { verifyEvent } from '../src/verify/verify-event.js'
import type { StepId } from '../src/verify/steps.js'
import { ORIGIN, signedLog } from './support/signed-log.js'

const log = signedLog()

interface Api {
  seq: number
  leaf_hash: string
}

function failedStep(event: Record<string, unknown>, proof: unknown, verifier = log.verifier) {
  const result = verifyEvent({ event, proof, verifier })
  expect(result.verified).toBe(false)
  return result.failure
}

describe('verifyEvent', () => {
  it('verifies every event of the log, each step passing', () => {
    for (const [seq, event] of log.events.entries()) {
      const result = verifyEvent({ event, proof: log.proof(seq), verifier: log.verifier })
      expect(result.verified).toBe(true)
      expect(result.steps.map((s) => [s.id, s.status])).toEqual<[StepId, string][]>([
        ['canonical', 'passed'],
        ['leaf_hash', 'passed'],
        ['inclusion', 'passed'],
        ['signature', 'passed'],
        ['root', 'passed'],
      ])
      expect(result.checkpoint?.size).toBe(3)
    }
  })

  describe('when a member of the event was changed', () => {
    it('fails at the leaf hash, and says the content is not what was sealed', () => {
      const event = { ...log.events[1], target: { type: 'device', id: 'SN-9' } }
      const failure = failedStep(event, log.proof(1))
      expect(failure?.id).toBe('leaf_hash')
      expect(failure?.detail).toMatch(/content is not what was sealed/)
    })

    it('marks the later steps as not reached', () => {
      const event = { ...log.events[0], outcome: 'failure', error: { message: 'x' } }
      const result = verifyEvent({ event, proof: log.proof(0), verifier: log.verifier })
      expect(result.steps.slice(2).every((s) => s.status === 'not_reached')).toBe(true)
    })
  })

  describe('when the event is not a valid envelope', () => {
    it('fails at the canonical form, naming the member', () => {
      const failure = failedStep({ ...log.events[0], extra: 1 }, log.proof(0))
      expect(failure?.id).toBe('canonical')
      expect(failure?.detail).toMatch(/extra/)
    })

    it('fails without a seq', () => {
      const { seq: _seq, ...event } = log.events[0] as Record<string, unknown>
      expect(failedStep(event, log.proof(0))?.id).toBe('canonical')
    })
  })

  describe('when the content and its leaf hash were both changed', () => {
    it('fails at the root hash: the signed tree holds another leaf', () => {
      // A consistent forgery: the API returns the hash of the altered content, everywhere.
      const {
        seq: _seq,
        leaf_hash: _leafHash,
        ...members
      } = log.events[2] as unknown as AuditEvent & Api
      const altered = { ...members, target: { type: 'device', id: 'SN-9' } } as AuditEvent
      const leafHash = toBase64(eventLeafHash(nobleCrypto, altered))
      const event = { ...altered, seq: 2, leaf_hash: leafHash }
      const failure = failedStep(event, { ...log.proof(2), leaf_hash: leafHash })
      expect(failure?.id).toBe('root')
      expect(failure?.detail).toMatch(/the checkpoint signs/)
    })
  })

  describe('when the proof is one hash short', () => {
    it('fails at the inclusion proof', () => {
      const proof = { ...log.proof(0), proof: log.proof(0).proof.slice(0, 1) }
      const failure = failedStep(log.events[0] as Record<string, unknown>, proof)
      expect(failure?.id).toBe('inclusion')
      expect(failure?.detail).toMatch(/too short/)
    })
  })

  describe('when a proof hash was changed', () => {
    it('fails at the root hash', () => {
      const original = log.proof(0)
      const proof = { ...original, proof: [original.proof[1], original.proof[1]] }
      expect(failedStep(log.events[0] as Record<string, unknown>, proof)?.id).toBe('root')
    })
  })

  describe('when the checkpoint is signed by another key', () => {
    it('fails at the checkpoint signature', () => {
      const other = generateSigningKey(nobleCrypto, ORIGIN, new Uint8Array(32).fill(9))
      const failure = failedStep(log.events[0] as Record<string, unknown>, log.proof(0), other)
      expect(failure?.id).toBe('signature')
      expect(failure?.detail).toMatch(/no signature by a trusted key/)
    })
  })

  describe('when the checkpoint is of another tree size than the proof', () => {
    it('fails at the checkpoint signature', () => {
      const proof = { ...log.proof(0), checkpoint: log.checkpoint(2) }
      const failure = failedStep(log.events[0] as Record<string, unknown>, proof)
      expect(failure?.id).toBe('signature')
      expect(failure?.detail).toMatch(/tree size 2/)
    })
  })

  describe('when the proof response is malformed', () => {
    it.each([null, 'text', { seq: 0 }, { ...signedLog().proof(0), proof: ['not base64!'] }])(
      'fails instead of verifying: %j',
      (proof) => {
        expect(failedStep(log.events[0] as Record<string, unknown>, proof)).toBeDefined()
      },
    )
  })
})
