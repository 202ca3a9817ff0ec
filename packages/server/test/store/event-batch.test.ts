import { describe, expect, it } from 'vitest'
import { canonicalJson, createTreeHasher, toHex } from '@auditseal/core'
import { nodeCrypto } from '../../src/crypto/node-crypto.js'
import { prepareBatch, TextBuffers, textsOf } from '../../src/store/event-batch.js'
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
    const batch = await prepareBatch(hasher, events, RECORDED_AT, new TextBuffers())
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
    const batch = await prepareBatch(hasher, events, RECORDED_AT, new TextBuffers())
    const canonical = (i: number) => canonicalJson({ ...events[i]!, recorded_at: RECORDED_AT })
    expect(textsOf(batch, [0, 2, 5]).toString()).toBe([0, 2, 5].map(canonical).join('\n'))
    expect(textsOf(batch, [3]).toString()).toBe(canonical(3))
    expect(textsOf(batch, [0, 1, 2, 3, 4, 5])).toBe(batch.texts)
  })

  it('reuses a buffer given back, and writes the next batch over it exactly', async () => {
    const buffers = new TextBuffers()
    const tenant = newTenantId()
    const big = [
      makeEvent(tenant, 0, { data: { pad: 'p'.repeat(5000) } }),
      ...makeEvents(tenant, 3),
    ]
    const first = await prepareBatch(hasher, big, RECORDED_AT, buffers)
    buffers.give(first.storage)
    const small = makeEvents(tenant, 2, 7)
    const second = await prepareBatch(hasher, small, RECORDED_AT, buffers)
    expect(second.storage === first.storage).toBe(true)
    expect(second.texts.toString()).toBe(
      small.map((e) => canonicalJson({ ...e, recorded_at: RECORDED_AT })).join('\n'),
    )
  })

  it('keeps a few buffers, none larger than its bound', () => {
    const buffers = new TextBuffers(2, 4 * 1024 * 1024)
    const taken = [buffers.take(10), buffers.take(10), buffers.take(10)]
    for (const b of taken) buffers.give(b)
    expect(buffers.take(10) === taken[0]).toBe(true)
    expect(buffers.take(10) === taken[1]).toBe(true)
    expect(taken.includes(buffers.take(10))).toBe(false) // the third was not kept
    const huge = buffers.take(8 * 1024 * 1024)
    buffers.give(huge)
    expect(buffers.take(8 * 1024 * 1024) === huge).toBe(false)
  })
})
