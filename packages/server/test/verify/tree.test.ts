// The verifier's own streaming tree and export-suffix reader against the references they
// stand in for: core's Merkle tree, and parseExportLine.

import { describe, expect, it } from 'vitest'
import { MemoryHashStore, createTreeHasher, nobleCrypto, utf8 } from '@auditseal/core'
import { nodeCrypto } from '../../src/crypto/node-crypto.js'
import { eventJson } from '../../src/store/event-rows.js'
import { parseExportLine } from '../../src/verify/sources/export-line.js'
import {
  newSealedSuffix,
  readSealedSuffix,
  sameLeaf,
} from '../../src/verify/sources/sealed-line.js'
import type { TreeDigests } from '../../src/verify/tree.js'
import {
  StreamingTree,
  hashBytes,
  hashString,
  hasherDigests,
  nodeDigests,
  providerDigests,
} from '../../src/verify/tree.js'

const hasher = createTreeHasher(nodeCrypto)

describe('StreamingTree', () => {
  const leaves = Array.from({ length: 70 }, (_, i) => hasher.leafHash(utf8(`event ${i}`)))
  const reference = new MemoryHashStore(hasher)
  reference.append(leaves)
  const digestsOf: [string, TreeDigests][] = [
    ['node', nodeDigests()],
    ['provider (noble)', providerDigests(nobleCrypto)],
    ['TreeHasher', hasherDigests(hasher)],
  ]

  it.each(digestsOf)('has the root core computes at every size (%s)', (_, digests) => {
    const tree = new StreamingTree(digests)
    expect(hashBytes(tree.root())).toEqual(reference.root(0))
    leaves.forEach((leaf, i) => {
      tree.append(hashString(leaf))
      expect(tree.size).toBe(i + 1)
      expect(hashBytes(tree.root())).toEqual(reference.root(i + 1))
    })
  })

  it('goes back to a mark', () => {
    const tree = new StreamingTree(nodeDigests())
    for (const leaf of leaves.slice(0, 13)) tree.append(hashString(leaf))
    const mark = tree.mark()
    for (const leaf of leaves.slice(20, 40)) tree.append(hashString(leaf))
    tree.reset(mark)
    expect(tree.size).toBe(13)
    for (const leaf of leaves.slice(13, 30)) tree.append(hashString(leaf))
    expect(hashBytes(tree.root())).toEqual(reference.root(30))
  })

  it.each(digestsOf)('hashes leaves and export lines as core does (%s)', (_, digests) => {
    const text = '{"a":"é\u{1F600}","b":[1,2]}'
    const line = Buffer.from(`xx${text.slice(0, -1)},"seq":1`)
    expect(hashBytes(digests.leaf(utf8(text)))).toEqual(hasher.leafHash(utf8(text)))
    const end = line.length - ',"seq":1'.length
    expect(hashBytes(digests.exportLeaf(line, 2, end))).toEqual(hasher.leafHash(utf8(text)))
    const big = Buffer.alloc(200_000, 0x61)
    expect(hashBytes(digests.leaf(big))).toEqual(hasher.leafHash(big))
  })
})

describe('readSealedSuffix', () => {
  const canonical = '{"a":1,"b":"seq"}'
  const leafHash = hasher.leafHash(utf8(canonical))
  const good = eventJson({ seq: 1234, canonical, leafHash })

  /** What parseExportLine makes of the line, in the terms of readSealedSuffix. */
  function reference(line: string) {
    const record = parseExportLine(Buffer.from(line))
    if (record.formatProblem !== undefined || record.seq === undefined) return undefined
    // The fast path reads at most 15 digits (safe integers); longer seqs are the full path's.
    if ((record.seqText ?? '').length > 15 || record.leafHash === undefined) return undefined
    return {
      seq: record.seq,
      event: Buffer.from(record.canonicalBytes!).toString(),
      leaf: [...record.leafHash],
    }
  }

  function read(line: string) {
    const bytes = Buffer.from(`\n${line}\n`)
    const out = newSealedSuffix()
    if (!readSealedSuffix(bytes, 1, bytes.length - 1, out)) return undefined
    const event = `${bytes.subarray(1, out.eventEnd).toString()}}`
    return { seq: out.seq, event, leaf: [...out.leafHash] }
  }

  it('reads what parseExportLine reads, and nothing it does not', () => {
    const variants = [
      good,
      eventJson({ seq: 0, canonical, leafHash }),
      eventJson({ seq: 999_999_999_999_999, canonical, leafHash }),
      good.replace('"seq":1234', '"seq":9999999999999999'),
      good.replace('"seq":1234', '"seq":01234'),
      good.replace('"seq":1234', '"seq":-1'),
      good.replace('"seq":1234', '"seq":'),
      good.replace('"seq":1234', '"seq": 1234'),
      good.replace('"seq":1234', '"Seq":1234'),
      good.replace('"leaf_hash"', '"leaf_hash "'),
      good.replace('="}', '=" }'),
      good.replace('="}', '="}}'),
      good.replace('="}', '"}'),
      good.replace('="}', '=="}'),
      `${good}\r`,
      good.slice(0, -2),
      `{${good.slice(good.indexOf(',"seq"'))}`,
      good.slice(good.indexOf(',"seq"')),
      `x${good.slice(good.indexOf(',"seq"'))}`,
    ]
    // Every single-byte change of the suffix, too.
    const suffix = good.indexOf(',"seq"')
    for (let i = suffix; i < good.length; i++) {
      for (const c of ['0', 'A', '=', '"', ',', '}', '/', ' ']) {
        variants.push(good.slice(0, i) + c + good.slice(i + 1))
      }
    }
    let accepted = 0
    for (const line of variants) {
      const mine = read(line)
      if (mine === undefined) continue
      accepted++
      expect(mine).toEqual(reference(line))
    }
    expect(read(good)).toEqual({ seq: 1234, event: canonical, leaf: [...leafHash] })
    expect(accepted).toBeGreaterThan(10)
  })

  it('leaves a leaf_hash with padding bits set to the full path', () => {
    const base64 = Buffer.from(leafHash).toString('base64')
    const last = base64.at(-2)!
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
    const loose = `${base64.slice(0, -2)}${alphabet[alphabet.indexOf(last) | 1]}=`
    expect(read(good.replace(base64, loose))).toBeUndefined()
  })

  it('compares a computed leaf with the decoded one', () => {
    expect(sameLeaf(hashString(leafHash), leafHash)).toBe(true)
    const other = Uint8Array.from(leafHash)
    other[31] = (other[31]! + 1) & 0xff
    expect(sameLeaf(hashString(leafHash), other)).toBe(false)
  })
})
