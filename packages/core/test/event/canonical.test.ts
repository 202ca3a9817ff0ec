import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { AuditEvent, JsonObject } from '@auditseal/core'
import {
  AuditsealError,
  canonicalBytes,
  canonicalJson,
  concatBytes,
  eventLeafHash,
  nobleCrypto,
  toHex,
  utf8,
} from '@auditseal/core'
import { fullEvent, minimalEvent } from './fixtures.js'

/** SHA-256(0x00 ‖ text) with Node's own crypto, independent of the core. */
function nodeLeafHash(text: string): string {
  return createHash('sha256')
    .update(concatBytes(Uint8Array.of(0), Buffer.from(text, 'utf8')))
    .digest('hex')
}

/** The canonical text of `data` inside an event, cut out of canonicalJson. */
function canonicalData(data: JsonObject): string {
  const text = canonicalJson({ ...minimalEvent(), data })
  const start = text.indexOf('"data":') + '"data":'.length
  const end = text.indexOf(',"id":')
  return text.slice(start, end)
}

function doubleFromIeee754(hex: string): number {
  const view = new DataView(new ArrayBuffer(8))
  view.setBigUint64(0, BigInt(`0x${hex}`))
  return view.getFloat64(0)
}

describe('canonicalJson (RFC 8785)', () => {
  it('sorts members, drops whitespace and keeps no trace of the input order', () => {
    expect(canonicalJson(minimalEvent())).toBe(
      '{"actor":{"id":"user-123","type":"user"},"id":"0190163d-8694-739b-aea5-966c26f8ad91",' +
        '"occurred_at":"2024-06-12T08:30:00.123Z","outcome":"success",' +
        '"tenant_id":"3f2c1b8e-9d4a-4c6e-8f10-2a3b4c5d6e7f","type":"device.created","v":1}',
    )
  })

  it('canonicalizes the sample input of RFC 8785 §3.2.2', () => {
    const input = String.raw`{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],"string":"\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/","literals":[null,true,false]}`
    expect(canonicalData(JSON.parse(input) as JsonObject)).toBe(
      String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`,
    )
  })

  it('sorts member names by UTF-16 code units (RFC 8785 §3.2.3)', () => {
    const input = String.raw`{"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"}`
    // 😀 (U+1F600) sorts before דּ (U+FB33): its first UTF-16 unit is 0xD83D < 0xFB33,
    // though its code point is larger. (Checked on the text: JSON.parse would move "1" first.)
    expect(canonicalData(JSON.parse(input) as JsonObject)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control",' +
        '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",' +
        '"\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    )
  })

  // RFC 8785 Appendix B: IEEE 754 double (hex) and its JSON serialization.
  it.each([
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ])('serializes the double %s as %s (RFC 8785 Appendix B)', (hex, expected) => {
    expect(canonicalData({ n: doubleFromIeee754(hex) })).toBe(`{"n":${expected}}`)
  })

  it('escapes only what JSON requires, in lowercase hex, and writes the rest as UTF-8', () => {
    const data = { s: '\u0000\u0008\t\n\u000c\r\u001f "\\/\u007f\u0080\u2028é😀' }
    expect(canonicalData(data)).toBe(
      '{"s":"\\u0000\\b\\t\\n\\f\\r\\u001f \\"\\\\/\u007f\u0080\u2028é😀"}',
    )
  })

  it('does not normalize Unicode: é precomposed and decomposed are different events', () => {
    expect(canonicalData({ s: '\u00e9' })).not.toBe(canonicalData({ s: 'e\u0301' }))
  })

  it('throws AuditsealError INVALID_EVENT, not a plain Error, for what JCS cannot represent', () => {
    const lone = { ...minimalEvent(), data: { s: '\ud800' } }
    expect(() => canonicalJson(lone)).toThrow(AuditsealError)
    expect(() => canonicalJson(lone)).toThrow(/^cannot canonicalize: /)
    const nan = { ...minimalEvent(), data: { n: NaN } }
    expect(() => canonicalJson(nan)).toThrow(expect.objectContaining({ code: 'INVALID_EVENT' }))
  })

  it('canonicalBytes is the UTF-8 of canonicalJson', () => {
    const event = fullEvent()
    expect(canonicalBytes(event)).toEqual(utf8(canonicalJson(event)))
  })
})

describe('eventLeafHash', () => {
  it('is SHA-256(0x00 ‖ UTF-8(JCS(E)))', () => {
    const event = fullEvent()
    expect(toHex(eventLeafHash(nobleCrypto, event))).toBe(nodeLeafHash(canonicalJson(event)))
  })

  it('is the same for events that differ only in member order, also nested in data', () => {
    const event = fullEvent()
    const reordered = JSON.parse(
      JSON.stringify({
        data: {
          nested: { ok: true },
          tags: ['a', '€', '😀'],
          attempt: 2,
          serial_number: 'SN-0042',
        },
        error: { message: 'duplicate serial number', code: 'duplicate_serial' },
        request_id: event.request_id,
        source: { user_agent: 'curl/8.5.0', ip: '2001:db8::1' },
        target: { name: 'Lobby sensor', id: 'SN-0042', type: 'device' },
        actor: { name: 'Ada Lovelace', id: 'user-123', type: 'user' },
        recorded_at: event.recorded_at,
        occurred_at: event.occurred_at,
        outcome: event.outcome,
        type: event.type,
        tenant_id: event.tenant_id,
        id: event.id,
        v: 1,
      }),
    ) as AuditEvent
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(event))
    expect(eventLeafHash(nobleCrypto, reordered)).toEqual(eventLeafHash(nobleCrypto, event))
  })

  it('changes when one character changes, anywhere', () => {
    const base = toHex(eventLeafHash(nobleCrypto, fullEvent()))
    const changed: AuditEvent[] = [
      { ...fullEvent(), type: 'device.creation_failee' },
      { ...fullEvent(), occurred_at: '2024-06-12T08:30:00.124Z' },
      { ...fullEvent(), actor: { type: 'user', id: 'user-124', name: 'Ada Lovelace' } },
      { ...fullEvent(), data: { ...fullEvent().data, serial_number: 'SN-0043' } },
      { ...fullEvent(), data: { ...fullEvent().data, attempt: 3 } },
    ]
    const hashes = changed.map((event) => toHex(eventLeafHash(nobleCrypto, event)))
    expect(new Set([base, ...hashes]).size).toBe(changed.length + 1)
  })

  it('is not the plain SHA-256 of the canonical bytes (the 0x00 leaf prefix is there)', () => {
    const event = minimalEvent()
    const plain = createHash('sha256').update(canonicalJson(event), 'utf8').digest('hex')
    expect(toHex(eventLeafHash(nobleCrypto, event))).not.toBe(plain)
  })
})
