// Which key verifies a log's checkpoints: the one pinned in this browser. The key the server
// serves is pinned the first time it is seen; a different one later is never used silently.

import { parseVerifierKey } from '@auditseal/core'
import type { VerifierKey } from '@auditseal/core'
import { crypto } from './hasher.js'
import type { PinnedKey, TrustStore } from './trust-store.js'

export type KeyState =
  /** First seen now, and pinned. */
  | 'pinned_now'
  /** The served key is the pinned one. */
  | 'pinned'
  /** The server serves a key other than the pinned one: verification keeps using the pinned. */
  | 'changed'

export interface KeyResolution {
  readonly state: KeyState
  readonly origin: string
  /** The key string the server serves. */
  readonly served: string
  readonly pinned: PinnedKey
  /** The key verification uses: always the pinned one. */
  readonly verifier: VerifierKey
}

export class VerifierKeyError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'VerifierKeyError'
  }
}

/** Resolves the key of `origin`; throws VerifierKeyError if a key string is unusable. */
export function resolveVerifierKey(
  trust: TrustStore,
  origin: string,
  served: string,
): KeyResolution {
  const pinnedBefore = trust.pinnedKey(origin)
  if (pinnedBefore === undefined) {
    const verifier = parseKey(origin, served, 'The log serves a verifier key that')
    return { state: 'pinned_now', origin, served, pinned: trust.pinKey(origin, served), verifier }
  }
  const verifier = parseKey(origin, pinnedBefore.vkey, 'The pinned verifier key')
  const state = pinnedBefore.vkey === served ? 'pinned' : 'changed'
  return { state, origin, served, pinned: pinnedBefore, verifier }
}

/** Pins the served key in place of the old one, after a person confirmed it out of band. */
export function trustServedKey(trust: TrustStore, resolution: KeyResolution): KeyResolution {
  const verifier = parseKey(
    resolution.origin,
    resolution.served,
    'The log serves a verifier key that',
  )
  trust.forgetCheckpoint(resolution.origin)
  const pinned = trust.pinKey(resolution.origin, resolution.served)
  return { ...resolution, state: 'pinned_now', pinned, verifier }
}

function parseKey(origin: string, vkey: string, what: string): VerifierKey {
  let key: VerifierKey
  try {
    key = parseVerifierKey(crypto, vkey)
  } catch (error) {
    throw new VerifierKeyError(`${what} is malformed: ${(error as Error).message}`)
  }
  if (key.name !== origin) {
    throw new VerifierKeyError(`${what} is named ${key.name}, not this log's origin ${origin}`)
  }
  return key
}
