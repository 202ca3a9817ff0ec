// Which key verifies a log's checkpoints: the one pinned in this browser. The key the server
// serves is pinned the first time it is seen; a different one later is never used silently.

import { parseVerifierKey } from '@auditseal/core'
import type { VerifierKey } from '@auditseal/core'
import { crypto } from './hasher.js'
import { TrustConflictError } from './trust-store.js'
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
  /** The tenant the key is pinned for. */
  readonly tenant: string
  /** The origin the server names now (the pinned key's name may differ: then `changed`). */
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

/**
 * Resolves the key of `tenant`'s log, which the server names `origin` and serves `served` for;
 * throws VerifierKeyError if a key string is unusable. A served key other than the pinned one
 * — another key, or the same key under another origin — is `changed`, and the pinned key
 * (with the origin it names) still verifies.
 */
export function resolveVerifierKey(
  trust: TrustStore,
  tenant: string,
  origin: string,
  served: string,
): KeyResolution {
  let pinnedBefore: PinnedKey | undefined
  try {
    pinnedBefore = trust.pinnedKey(tenant)
  } catch (error) {
    if (error instanceof TrustConflictError) throw new VerifierKeyError(error.message)
    throw error
  }
  if (pinnedBefore === undefined) {
    const verifier = parseKey(tenant, served, 'The log serves a verifier key that', origin)
    const pinned = trust.pinKey(tenant, served)
    return { state: 'pinned_now', tenant, origin, served, pinned, verifier }
  }
  const verifier = parseKey(tenant, pinnedBefore.vkey, 'The pinned verifier key')
  const state = pinnedBefore.vkey === served ? 'pinned' : 'changed'
  return { state, tenant, origin, served, pinned: pinnedBefore, verifier }
}

/** Pins the served key in place of the old one, after a person confirmed it out of band. */
export function trustServedKey(trust: TrustStore, resolution: KeyResolution): KeyResolution {
  const verifier = parseKey(
    resolution.tenant,
    resolution.served,
    'The log serves a verifier key that',
    resolution.origin,
  )
  trust.forgetCheckpoint(resolution.tenant)
  const pinned = trust.pinKey(resolution.tenant, resolution.served)
  return { ...resolution, state: 'pinned_now', pinned, verifier }
}

/** The key in `vkey`, which must name a log of `tenant` (and `origin`, when given). */
function parseKey(tenant: string, vkey: string, what: string, origin?: string): VerifierKey {
  let key: VerifierKey
  try {
    key = parseVerifierKey(crypto, vkey)
  } catch (error) {
    throw new VerifierKeyError(`${what} is malformed: ${(error as Error).message}`)
  }
  if (origin !== undefined && key.name !== origin) {
    throw new VerifierKeyError(`${what} is named ${key.name}, not this log's origin ${origin}`)
  }
  if (!key.name.endsWith(`/${tenant}`)) {
    throw new VerifierKeyError(`${what} is named ${key.name}, not a log of tenant ${tenant}`)
  }
  return key
}
