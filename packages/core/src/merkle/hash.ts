import type { CryptoProvider } from '../crypto/provider.js'

/** Size in bytes of every hash in the log (SHA-256). */
export const HASH_SIZE = 32

/** The RFC 6962 §2.1 hashes of a log, bound to one SHA-256 implementation. */
export interface TreeHasher {
  /** SHA-256(0x00 || data): the hash of one leaf. */
  leafHash(data: Uint8Array): Uint8Array
  /** leafHash of the UTF-8 of `text`, encoded straight into the hasher's scratch buffer. */
  leafHashOfText(text: string): Uint8Array
  /** SHA-256(0x01 || left || right): the hash of an interior node. */
  nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array
  /** SHA-256(""): the root of the empty tree. */
  emptyRoot(): Uint8Array
}

export function createTreeHasher(crypto: Pick<CryptoProvider, 'sha256'>): TreeHasher {
  const empty = crypto.sha256(new Uint8Array(0))
  // The prefixed inputs are assembled in reused scratch buffers: allocating a fresh array per
  // hash costs a third of the hashing rate. Safe because sha256 reads its input synchronously.
  const node = new Uint8Array(1 + 2 * HASH_SIZE)
  node[0] = 0x01
  let leaf = new Uint8Array(1024)
  const encoder = new TextEncoder()
  return {
    leafHash(data) {
      if (data.length + 1 > leaf.length) leaf = new Uint8Array(2 * (data.length + 1))
      leaf[0] = 0x00
      leaf.set(data, 1)
      return crypto.sha256(leaf.subarray(0, data.length + 1))
    },
    leafHashOfText(text) {
      // A UTF-16 unit becomes at most 3 UTF-8 bytes: with that much room, encodeInto never stops short.
      if (3 * text.length + 1 > leaf.length) leaf = new Uint8Array(2 * (3 * text.length + 1))
      leaf[0] = 0x00
      const { written } = encoder.encodeInto(text, leaf.subarray(1))
      return crypto.sha256(leaf.subarray(0, written + 1))
    },
    nodeHash(left, right) {
      if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) {
        throw new TypeError('node hash inputs must be 32 bytes')
      }
      node.set(left, 1)
      node.set(right, 1 + HASH_SIZE)
      return crypto.sha256(node)
    },
    emptyRoot: () => empty.slice(),
  }
}
