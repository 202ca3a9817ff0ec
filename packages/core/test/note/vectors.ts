// Loads testdata/notes.json, the language-neutral signed-note and checkpoint vectors.
import { readFileSync } from 'node:fs'
import type { AuditsealErrorCode, VerifierKey } from '@auditseal/core'
import { AuditsealError, fromBase64, nobleCrypto, parseVerifierKey, utf8 } from '@auditseal/core'

export interface KeyVector {
  vkey: string
  skey?: string
  name: string
  keyId: string
  publicKeyHex?: string
  seedHex?: string
  logName?: string
  tenantId?: string
  logKeyId?: string
}

export interface NoteVector {
  name: string
  message?: string
  messageBase64?: string
  verifiers: string[]
  text?: string
  signatures?: string[]
  unverified?: string[]
  error?: AuditsealErrorCode
}

export interface NoteVectors {
  keys: Record<string, KeyVector>
  signing: { name: string; key: string; text: string; message: string }[]
  notes: NoteVector[]
  verifierKeys: { valid: string[]; invalid: { why: string; vkey: string }[] }
  privateKeys: { valid: string[]; invalid: { why: string; skey: string }[] }
  checkpoints: {
    valid: {
      name: string
      text: string
      origin: string
      size: number
      rootHash: string
      extensions: string[]
    }[]
    invalid: { why: string; text: string }[]
  }
  signedCheckpoints: {
    name: string
    key: string
    note: string
    origin?: string
    size?: number
    rootHash?: string
    error?: AuditsealErrorCode
  }[]
}

export const vectors = JSON.parse(
  readFileSync(new URL('../../../../testdata/notes.json', import.meta.url), 'utf8'),
) as NoteVectors

/** The vector's key, parsed. */
export function verifierOf(key: string): VerifierKey {
  const vector = vectors.keys[key]
  if (vector === undefined) throw new Error(`no key ${key} in testdata/notes.json`)
  return parseVerifierKey(nobleCrypto, vector.vkey)
}

/** The vector's message as the bytes a reader would receive. */
export function messageOf(vector: NoteVector): string | Uint8Array {
  if (vector.message !== undefined) return vector.message
  const bytes = fromBase64(vector.messageBase64 ?? '')
  if (bytes === undefined) throw new Error(`bad messageBase64 in ${vector.name}`)
  return bytes
}

/** The same message as UTF-8 bytes, to exercise openNote's byte input too. */
export function messageBytesOf(vector: NoteVector): Uint8Array {
  const message = messageOf(vector)
  return typeof message === 'string' ? utf8(message) : message
}

/** Runs `fn` and returns what it threw; fails the test if it returned. */
export function thrown(fn: () => unknown): AuditsealError {
  try {
    fn()
  } catch (error) {
    if (error instanceof AuditsealError) return error
    throw error
  }
  throw new Error('expected an AuditsealError, but nothing was thrown')
}
