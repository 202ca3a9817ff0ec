import { describe, expect, it } from 'vitest'
import { canonicalJson, createTreeHasher, toHex } from '@auditseal/core'
import { nodeCrypto } from '../../src/crypto/node-crypto.js'
import { prepareBatch, textsOf } from '../../src/store/event-batch.js'
import { makeEvent, makeEvents, newTenantId } from '../support/events.js'

const hasher = createTreeHasher(nodeCrypto)
const RECORDED_AT = '2026-11-30T12:00:00.000Z'

describe('prepareBatch', () => {
  it('writes each canonical text once, one per line, and hashes those bytes', async () => {
    const tenant = newTenantId()
    // More than one slice of events, some far over the 1 KiB each starts with, multi-byte
    // characters (2, 3 and 4 UTF-8 bytes) and escapes that look like line breaks.
    const events = [
      ...makeEvents(tenant, 450),
      makeEvent(tenant, 1, { data: { big: 'é€😀'.repeat(3000), nl: 'a\nb\r\n', sep: '\u2028' } }),
      makeEvent(tenant, 2, { data: { huge: 'x'.repeat(300_000) } }),
      ...makeEvents(tenant, 3),
    ]
    const batch = await prepareBatch(hasher, events, RECORDED_AT)
    const expected = events.map((e) => canonicalJson({ ...e, recorded_at: RECORDED_AT }))
    expect(batch.texts.toString('utf8').split('\n')).toEqual(expected)
    expect(batch.leafHashes.map(toHex)).toEqual(
      expected.map((t) => toHex(hasher.leafHashOfText(t))),
    )
    expect(batch.ends[events.length - 1]).toBe(batch.texts.length)
  })

  it('gives the texts of a subset, in order', async () => {
    const tenant = newTenantId()
    const events = makeEvents(tenant, 6)
    const batch = await prepareBatch(hasher, events, RECORDED_AT)
    const canonical = (i: number) => canonicalJson({ ...events[i]!, recorded_at: RECORDED_AT })
    expect(textsOf(batch, [0, 2, 5]).toString()).toBe([0, 2, 5].map(canonical).join('\n'))
    expect(textsOf(batch, [3]).toString()).toBe(canonical(3))
    expect(textsOf(batch, [0, 1, 2, 3, 4, 5])).toBe(batch.texts)
  })
})
