// What this browser has decided to trust, per log origin, in localStorage: the verifier key
// first seen (trust on first use), and the last checkpoint whose consistency it verified.

export interface PinnedKey {
  readonly vkey: string
  /** ISO time the key was pinned. */
  readonly pinnedAt: string
}

export interface TrustedCheckpoint {
  readonly size: number
  /** Standard base64 root hash. */
  readonly rootHash: string
  /** The signed note, so a person can take it elsewhere. */
  readonly note: string
  /** ISO time this browser verified it. */
  readonly verifiedAt: string
}

const PREFIX = 'auditseal.viewer.v1'

export class TrustStore {
  readonly #storage: Storage

  constructor(storage: Storage = localStorage) {
    this.#storage = storage
  }

  pinnedKey(origin: string): PinnedKey | undefined {
    return this.#read(`${PREFIX}.key:${origin}`, isPinnedKey)
  }

  pinKey(origin: string, vkey: string, now = new Date()): PinnedKey {
    const pinned = { vkey, pinnedAt: now.toISOString() }
    this.#storage.setItem(`${PREFIX}.key:${origin}`, JSON.stringify(pinned))
    return pinned
  }

  trustedCheckpoint(origin: string): TrustedCheckpoint | undefined {
    return this.#read(`${PREFIX}.checkpoint:${origin}`, isTrustedCheckpoint)
  }

  saveTrustedCheckpoint(origin: string, checkpoint: TrustedCheckpoint): void {
    this.#storage.setItem(`${PREFIX}.checkpoint:${origin}`, JSON.stringify(checkpoint))
  }

  /** Forgets the trusted checkpoint, as when a new key is trusted: it vouched for nothing. */
  forgetCheckpoint(origin: string): void {
    this.#storage.removeItem(`${PREFIX}.checkpoint:${origin}`)
  }

  #read<T>(key: string, guard: (value: unknown) => value is T): T | undefined {
    const text = this.#storage.getItem(key)
    if (text === null) return undefined
    try {
      const value: unknown = JSON.parse(text)
      return guard(value) ? value : undefined
    } catch {
      return undefined
    }
  }
}

function isPinnedKey(value: unknown): value is PinnedKey {
  const v = value as Partial<PinnedKey> | null
  return typeof v?.vkey === 'string' && typeof v.pinnedAt === 'string'
}

function isTrustedCheckpoint(value: unknown): value is TrustedCheckpoint {
  const v = value as Partial<TrustedCheckpoint> | null
  return (
    typeof v?.size === 'number' &&
    typeof v.rootHash === 'string' &&
    typeof v.note === 'string' &&
    typeof v.verifiedAt === 'string'
  )
}
