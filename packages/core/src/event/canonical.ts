import { utf8 } from '../bytes.js'
import type { CryptoProvider } from '../crypto/provider.js'
import { createTreeHasher } from '../merkle/hash.js'
import type { TreeHasher } from '../merkle/hash.js'
import { envelopeJson } from './canonical-fast.js'
import { jcs } from './jcs.js'
import type { AuditEvent } from './types.js'

/**
 * The RFC 8785 (JCS) text of an event: members sorted by UTF-16 code units, no whitespace,
 * ECMAScript number and string serialization. This text, as UTF-8, is what the log hashes.
 * With `recordedAt`, the text is that of the event with that recorded_at (the sealer's case,
 * without copying the event to set it).
 *
 * Requires a valid event (validateEvent): it does not re-check the envelope, and `seq` or
 * `leaf_hash` left on the object would be hashed as if they were members of E.
 */
export function canonicalJson(event: AuditEvent, recordedAt?: string): string {
  return (
    envelopeJson(event, recordedAt) ??
    jcs(recordedAt === undefined ? event : { ...event, recorded_at: recordedAt })
  )
}

/** UTF-8 of canonicalJson(event). */
export function canonicalBytes(event: AuditEvent): Uint8Array {
  return utf8(canonicalJson(event))
}

/**
 * The event's Merkle leaf hash (§2, RFC 6962 §2.1): SHA-256(0x00 ‖ UTF-8(JCS(E))), i.e. the
 * tree hasher's leafHash of canonicalBytes(event), so events and the tree share one definition.
 */
export function eventLeafHash(
  crypto: Pick<CryptoProvider, 'sha256'>,
  event: AuditEvent,
): Uint8Array {
  return treeHasherOf(crypto).leafHash(canonicalBytes(event))
}

// One hasher per provider: creating one costs a SHA-256 (of the empty tree), not worth
// paying per event on the sealing path.
const hashers = new WeakMap<Pick<CryptoProvider, 'sha256'>, TreeHasher>()

function treeHasherOf(crypto: Pick<CryptoProvider, 'sha256'>): TreeHasher {
  let hasher = hashers.get(crypto)
  if (hasher === undefined) {
    hasher = createTreeHasher(crypto)
    hashers.set(crypto, hasher)
  }
  return hasher
}

// eslint-disable-next-line no-control-regex -- matching ASCII, control characters included, is the point
const ASCII = /^[\x00-\x7f]*$/

/**
 * Bytes of `text` in UTF-8, without encoding it. Requires well-formed UTF-16 (a lone
 * surrogate would be counted as 3 bytes, as TextEncoder's U+FFFD replacement is).
 */
export function utf8ByteLength(text: string): number {
  // Most audit events are ASCII: one native regex scan answers for them.
  if (ASCII.test(text)) return text.length
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    if (unit < 0x80) bytes += 1
    else if (unit < 0x800) bytes += 2
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4 // a surrogate pair: one code point above U+FFFF
        i++
      } else bytes += 3
    } else bytes += 3
  }
  return bytes
}
