// Token buckets keyed by a string (a source IP, a tenant): each holds up to `capacity` tokens
// and regains `refillPerSecond` of them a second. The map is bounded: past `maxKeys` the least
// recently used bucket is forgotten, so a flood from many addresses cannot grow memory. (A
// forgotten bucket comes back full; the per-tenant bucket still caps the total.)

export interface TokenBucketOptions {
  capacity: number
  refillPerSecond: number
  maxKeys?: number
}

interface Bucket {
  tokens: number
  at: number
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>()
  private readonly maxKeys: number

  constructor(private readonly options: TokenBucketOptions) {
    this.maxKeys = options.maxKeys ?? 10_000
  }

  /** Whether `key` has a whole token at `now` (ms); refills, takes nothing. */
  has(key: string, now: number): boolean {
    return this.bucket(key, now).tokens >= 1
  }

  /** Takes one token from `key` (call after has() said yes). */
  take(key: string, now: number): void {
    this.bucket(key, now).tokens -= 1
  }

  get size(): number {
    return this.buckets.size
  }

  private bucket(key: string, now: number): Bucket {
    let bucket = this.buckets.get(key)
    if (bucket) {
      const elapsed = Math.max(0, now - bucket.at) / 1000
      bucket.tokens = Math.min(
        this.options.capacity,
        bucket.tokens + elapsed * this.options.refillPerSecond,
      )
      bucket.at = now
      this.buckets.delete(key) // re-inserted below: the map's order is least recently used first
    } else {
      bucket = { tokens: this.options.capacity, at: now }
      if (this.buckets.size >= this.maxKeys) {
        const oldest = this.buckets.keys().next()
        if (!oldest.done) this.buckets.delete(oldest.value)
      }
    }
    this.buckets.set(key, bucket)
    return bucket
  }
}
