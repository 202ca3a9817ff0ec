// The verifier's streaming Merkle tree (RFC 6962 / RFC 9162 §2.1): the frontier of a tree of
// size n — the roots of its complete subtrees along the right edge, one per one bit of n — is
// all an append needs, so the verifier holds log₂ n hashes, never the tree. It is the same
// algorithm as core's appendLeaves/frontierRoot (test/verify/tree.test.ts checks they agree),
// kept here because the verifier appends one leaf per event on its hot path: hashes are
// 32-character binary (latin1) strings, which node:crypto's one-shot hash() returns several
// times faster than a Buffer, and nothing per append is allocated but the hash itself.

import { hash } from 'node:crypto'
import type { CryptoProvider, TreeHasher } from '@auditseal/core'

/** A 32-byte SHA-256 hash as a binary string: one character (0–255) per byte. */
export type HashString = string

export interface TreeDigests {
  /** SHA-256(""): the root of the empty tree. */
  readonly empty: HashString
  /** SHA-256(0x01 ‖ left ‖ right). */
  node(left: HashString, right: HashString): HashString
  /** SHA-256(0x00 ‖ data): the leaf of an event whose canonical bytes are `data`. */
  leaf(data: Uint8Array): HashString
  /**
   * The leaf of an event whose canonical text is bytes[start, end) followed by `}`: what an
   * export line holds before its `,"seq":…` suffix (one hash call, through a reused buffer).
   */
  exportLeaf(bytes: Buffer, start: number, end: number): HashString
}

const LEAF_PREFIX = 0x00
const NODE_PREFIX = 0x01
const CLOSING_BRACE = 0x7d

/** The input buffers of one TreeDigests, reused for every hash (inputs are read at once). */
class Scratch {
  readonly node = Buffer.alloc(65)
  private leafBuffer = Buffer.alloc(70 * 1024)

  constructor() {
    this.node[0] = NODE_PREFIX
  }

  nodeInput(left: HashString, right: HashString): Buffer {
    this.node.write(left, 1, 32, 'latin1')
    this.node.write(right, 33, 32, 'latin1')
    return this.node
  }

  leafInput(bytes: Uint8Array, start: number, end: number, brace: boolean): Buffer {
    const length = end - start + 1 + (brace ? 1 : 0)
    if (length > this.leafBuffer.length) this.leafBuffer = Buffer.alloc(2 * length)
    const buffer = this.leafBuffer
    buffer[0] = LEAF_PREFIX
    if (Buffer.isBuffer(bytes)) bytes.copy(buffer, 1, start, end)
    else buffer.set(bytes.subarray(start, end), 1)
    if (brace) buffer[length - 1] = CLOSING_BRACE
    return buffer.subarray(0, length)
  }
}

/** node:crypto's SHA-256, one call per hash. */
export function nodeDigests(): TreeDigests {
  const scratch = new Scratch()
  const sha256 = (data: Uint8Array): HashString => hash('sha256', data, 'binary')
  return {
    empty: sha256(new Uint8Array(0)),
    node: (left, right) => sha256(scratch.nodeInput(left, right)),
    leaf: (data) => sha256(scratch.leafInput(data, 0, data.length, false)),
    exportLeaf: (bytes, start, end) => sha256(scratch.leafInput(bytes, start, end, true)),
  }
}

/** Any CryptoProvider's SHA-256 (e.g. the pure-JavaScript one), the same hashes. */
export function providerDigests(crypto: Pick<CryptoProvider, 'sha256'>): TreeDigests {
  const scratch = new Scratch()
  const sha256 = (data: Uint8Array): HashString => hashString(crypto.sha256(data))
  return {
    empty: sha256(new Uint8Array(0)),
    node: (left, right) => sha256(scratch.nodeInput(left, right)),
    leaf: (data) => sha256(scratch.leafInput(data, 0, data.length, false)),
    exportLeaf: (bytes, start, end) => sha256(scratch.leafInput(bytes, start, end, true)),
  }
}

/** A TreeHasher's hashes (slower: each goes through Uint8Arrays). */
export function hasherDigests(hasher: TreeHasher): TreeDigests {
  const brace = Buffer.of(CLOSING_BRACE)
  return {
    empty: hashString(hasher.emptyRoot()),
    node: (left, right) => hashString(hasher.nodeHash(hashBytes(left), hashBytes(right))),
    leaf: (data) => hashString(hasher.leafHash(data)),
    exportLeaf: (bytes, start, end) =>
      hashString(hasher.leafHash(Buffer.concat([bytes.subarray(start, end), brace]))),
  }
}

export function hashString(bytes: Uint8Array): HashString {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
}

export function hashBytes(text: HashString): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'latin1'))
}

/** A point to go back to: the tree as it was. */
export interface TreeMark {
  readonly size: number
  readonly edge: readonly HashString[]
}

export class StreamingTree {
  private edge: HashString[] = []
  private count = 0

  constructor(private readonly digests: TreeDigests) {}

  get size(): number {
    return this.count
  }

  append(leaf: HashString): void {
    const edge = this.edge
    let hash = leaf
    // Each trailing one bit of the old size is a complete subtree the new leaf pairs with.
    for (let size = this.count; size % 2 === 1; size = (size - 1) / 2) {
      hash = this.digests.node(edge.pop() as HashString, hash)
    }
    edge.push(hash)
    this.count++
  }

  /** The root: the edge folded right to left (RFC 6962 §2.1 MTH). */
  root(): HashString {
    const edge = this.edge
    if (edge.length === 0) return this.digests.empty
    let hash = edge[edge.length - 1] as HashString
    for (let i = edge.length - 2; i >= 0; i--) hash = this.digests.node(edge[i] as HashString, hash)
    return hash
  }

  mark(): TreeMark {
    return { size: this.count, edge: [...this.edge] }
  }

  reset(mark: TreeMark): void {
    this.count = mark.size
    this.edge = [...mark.edge]
  }
}
