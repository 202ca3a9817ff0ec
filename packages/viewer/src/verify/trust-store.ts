// What this browser has decided to trust, per tenant, in localStorage: the verifier key first
// seen (trust on first use), and the last checkpoint whose consistency it verified.
//
// Per tenant, not per origin: the origin is the server's word (`GET /v1/log`), and a server
// that could name a new origin — `evil.example/<tenant>`, or one that only looks like the old —
// would be trusted on first use again, its pins set beside the genuine ones. A key pinned for
// the tenant is compared with whatever the server serves, origin included.

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

/** Pins an earlier version kept for one tenant under several origins, with different keys. */
export class TrustConflictError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TrustConflictError'
  }
}

const PREFIX = 'auditseal.viewer.v2'
/** Earlier versions kept them per origin (`…v1.key:<origin>`); read once, then kept per tenant. */
const V1_PREFIX = 'auditseal.viewer.v1'

export class TrustStore {
  readonly #storage: Storage

  constructor(storage: Storage = localStorage) {
    this.#storage = storage
  }

  pinnedKey(tenant: string): PinnedKey | undefined {
    const pinned = this.#read(`${PREFIX}.key:${tenant}`, isPinnedKey)
    if (pinned !== undefined) return pinned
    const earlier = this.#fromV1(tenant)
    if (earlier === undefined) return undefined
    this.#storage.setItem(`${PREFIX}.key:${tenant}`, JSON.stringify(earlier.key))
    if (earlier.checkpoint !== undefined) this.saveTrustedCheckpoint(tenant, earlier.checkpoint)
    return earlier.key
  }

  pinKey(tenant: string, vkey: string, now = new Date()): PinnedKey {
    const pinned = { vkey, pinnedAt: now.toISOString() }
    this.#storage.setItem(`${PREFIX}.key:${tenant}`, JSON.stringify(pinned))
    return pinned
  }

  trustedCheckpoint(tenant: string): TrustedCheckpoint | undefined {
    return this.#read(`${PREFIX}.checkpoint:${tenant}`, isTrustedCheckpoint)
  }

  saveTrustedCheckpoint(tenant: string, checkpoint: TrustedCheckpoint): void {
    this.#storage.setItem(`${PREFIX}.checkpoint:${tenant}`, JSON.stringify(checkpoint))
  }

  /** The tenant a credential (by its identity's hash, credentialIdentity) was used with. */
  credentialTenant(identity: string): string | undefined {
    return this.#storage.getItem(`${PREFIX}.credential:${identity}`) ?? undefined
  }

  rememberCredentialTenant(identity: string, tenant: string): void {
    this.#storage.setItem(`${PREFIX}.credential:${identity}`, tenant)
  }

  /** Forgets the trusted checkpoint, as when a new key is trusted: it vouched for nothing. */
  forgetCheckpoint(tenant: string): void {
    this.#storage.removeItem(`${PREFIX}.checkpoint:${tenant}`)
  }

  /**
   * The key an earlier version pinned for an origin of this tenant, and the checkpoint it
   * trusted for that origin. Several origins with different keys — which that version let a
   * server cause by naming a new origin — are not chosen between: TrustConflictError.
   */
  #fromV1(tenant: string): { key: PinnedKey; checkpoint?: TrustedCheckpoint } | undefined {
    const found: { origin: string; key: PinnedKey }[] = []
    const keyPrefix = `${V1_PREFIX}.key:`
    for (let i = 0; i < this.#storage.length; i++) {
      const name = this.#storage.key(i)
      if (name === null || !name.startsWith(keyPrefix) || !name.endsWith(`/${tenant}`)) continue
      const key = this.#read(name, isPinnedKey)
      if (key !== undefined) found.push({ origin: name.slice(keyPrefix.length), key })
    }
    if (new Set(found.map(({ key }) => key.vkey)).size > 1) {
      throw new TrustConflictError(
        `This browser pinned different keys for tenant ${tenant} under several origins ` +
          `(${found.map(({ origin }) => origin).join(', ')}): one of them is not the log's. ` +
          'Clear this site’s data, then compare the key pinned at the next sign-in with the one ' +
          'the log’s operator gave you.',
      )
    }
    const first = found[0]
    if (first === undefined) return undefined
    const checkpoint = this.#read(`${V1_PREFIX}.checkpoint:${first.origin}`, isTrustedCheckpoint)
    return { key: first.key, ...(checkpoint && { checkpoint }) }
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
    v !== null &&
    Number.isSafeInteger(v.size) &&
    (v.size as number) >= 0 &&
    typeof v.rootHash === 'string' &&
    typeof v.note === 'string' &&
    typeof v.verifiedAt === 'string'
  )
}
