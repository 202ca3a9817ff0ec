// leafHashOfText must be leafHash of the text's UTF-8, whatever the text and however often
// the hasher's scratch buffer has to grow.
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createTreeHasher, nobleCrypto, toHex } from '@auditseal/core'

/** SHA-256(0x00 ‖ UTF-8(text)) by Node's own crypto, independent of the core. */
const expected = (text: string) =>
  createHash('sha256')
    .update(Buffer.from([0]))
    .update(text, 'utf8')
    .digest('hex')

describe('leafHashOfText', () => {
  const texts = [
    '',
    '{"a":1}',
    'caf\u00e9 \u20ac \ud83d\ude00',
    'x'.repeat(1023),
    'x'.repeat(5000),
    '\u20ac'.repeat(3000),
    'short again',
  ]

  it('equals SHA-256(0x00 ‖ UTF-8(text)) for ASCII, 2-, 3- and 4-byte characters and long texts', () => {
    const hasher = createTreeHasher(nobleCrypto)
    for (const text of texts) expect(toHex(hasher.leafHashOfText(text))).toBe(expected(text))
  })

  it('agrees with leafHash on the same bytes, in any order of calls', () => {
    const hasher = createTreeHasher(nobleCrypto)
    for (const text of [...texts].reverse()) {
      expect(hasher.leafHashOfText(text)).toEqual(hasher.leafHash(Buffer.from(text, 'utf8')))
    }
  })
})
