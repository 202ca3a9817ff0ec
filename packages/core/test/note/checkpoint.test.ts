import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  deriveSigner,
  formatCheckpoint,
  fromBase64,
  logOrigin,
  nobleCrypto,
  openCheckpoint,
  parseCheckpoint,
  signCheckpoint,
  signNote,
  verifierFor,
} from '@auditseal/core'
import { thrown } from './vectors.js'

const crypto = nobleCrypto
const seed = new Uint8Array(32).fill(11)
const TENANT = '0190c2a4-5b6e-7c3d-8e9f-a0b1c2d3e4f5'
const ORIGIN = `auditseal.local/${TENANT}`
const ROOT_B64 = '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=' // SHA-256 of nothing
const root = fromBase64(ROOT_B64) as Uint8Array

describe('formatCheckpoint', () => {
  it('writes origin, size and base64 root, one per line', () => {
    expect(formatCheckpoint({ origin: ORIGIN, size: 0, rootHash: root })).toBe(
      `${ORIGIN}\n0\n${ROOT_B64}\n`,
    )
  })

  it('appends extension lines', () => {
    const text = formatCheckpoint({ origin: 'o', size: 3, rootHash: root, extensions: ['x', 'y'] })
    expect(text).toBe(`o\n3\n${ROOT_B64}\nx\ny\n`)
  })

  it('round-trips through parseCheckpoint', () => {
    const checkpoint = fc.record({
      origin: fc.string({ minLength: 1, unit: 'grapheme' }).filter(isLine),
      size: fc.maxSafeNat(),
      rootHash: fc.uint8Array({ minLength: 32, maxLength: 32 }),
      extensions: fc.array(fc.string({ minLength: 1 }).filter(isLine), { maxLength: 3 }),
    })
    fc.assert(
      fc.property(checkpoint, (cp) => {
        expect(parseCheckpoint(formatCheckpoint(cp))).toEqual(cp)
      }),
    )
  })

  const cases: [string, Parameters<typeof formatCheckpoint>[0], string][] = [
    ['an empty origin', { origin: '', size: 1, rootHash: root }, 'invalid checkpoint origin ""'],
    [
      'a newline in the origin',
      { origin: 'a\nb', size: 1, rootHash: root },
      'invalid checkpoint origin "a\\nb"',
    ],
    [
      'a negative size',
      { origin: 'o', size: -1, rootHash: root },
      'checkpoint size -1 is not an integer in [0, 2^53 − 1]',
    ],
    [
      'a fractional size',
      { origin: 'o', size: 1.5, rootHash: root },
      'checkpoint size 1.5 is not an integer in [0, 2^53 − 1]',
    ],
    [
      'size 2^53',
      { origin: 'o', size: 2 ** 53, rootHash: root },
      'checkpoint size 9007199254740992 is not an integer in [0, 2^53 − 1]',
    ],
    [
      'a 31-byte root',
      { origin: 'o', size: 1, rootHash: root.slice(1) },
      'root hash is 31 bytes, not 32',
    ],
    [
      'an empty extension line',
      { origin: 'o', size: 1, rootHash: root, extensions: [''] },
      'invalid checkpoint extension line ""',
    ],
  ]
  for (const [what, input, message] of cases) {
    it(`refuses ${what}`, () => {
      const error = thrown(() => formatCheckpoint(input))
      expect(error.code).toBe('INVALID_ARGUMENT')
      expect(error.message).toBe(message)
    })
  }
})

describe('parseCheckpoint', () => {
  it('reads the largest exact size, 2^53 − 1', () => {
    expect(parseCheckpoint(`o\n9007199254740991\n${ROOT_B64}\n`).size).toBe(Number.MAX_SAFE_INTEGER)
  })

  const cases: [string, string, string][] = [
    [
      'a leading zero',
      `o\n01\n${ROOT_B64}\n`,
      'tree size "01" is not a decimal number without leading zeros',
    ],
    [
      'a negative size',
      `o\n-1\n${ROOT_B64}\n`,
      'tree size "-1" is not a decimal number without leading zeros',
    ],
    [
      'size 2^53',
      `o\n9007199254740992\n${ROOT_B64}\n`,
      'tree size "9007199254740992" is larger than 2^53 − 1, the largest auditseal handles',
    ],
    [
      'bad base64',
      `o\n1\n${ROOT_B64.slice(1)}\n`,
      `root hash "${ROOT_B64.slice(1)}" is not canonical base64`,
    ],
    ['a 31-byte root', `o\n1\n${'A'.repeat(40)}AA==\n`, 'root hash is 31 bytes, not 32'],
    ['no final newline', `o\n1\n${ROOT_B64}`, 'the text does not end with a newline'],
    ['an extra blank line', `o\n1\n${ROOT_B64}\n\n`, 'line 4 is empty'],
    ['two lines', 'o\n1\n', '2 lines, fewer than 3'],
  ]
  for (const [what, text, detail] of cases) {
    it(`rejects ${what}`, () => {
      const error = thrown(() => parseCheckpoint(text))
      expect(error.code).toBe('MALFORMED_CHECKPOINT')
      expect(error.message).toBe(`malformed checkpoint: ${detail}`)
    })
  }
})

describe('logOrigin', () => {
  it('is <log name>/<tenant_id>', () => {
    expect(logOrigin('auditseal.local', TENANT)).toBe(ORIGIN)
    expect(logOrigin('example.com/audit', TENANT)).toBe(`example.com/audit/${TENANT}`)
  })

  it.each([
    ['', TENANT],
    ['audit seal', TENANT],
    ['audit+seal', TENANT],
    ['auditseal.local', ''],
    ['auditseal.local', 'a/b'],
    ['auditseal.local', 'a b'],
    ['auditseal.local', 'a+b'],
  ])('refuses log name %j with tenant %j', (logName, tenantId) => {
    expect(thrown(() => logOrigin(logName, tenantId)).code).toBe('INVALID_ARGUMENT')
  })
})

describe('signed checkpoints', () => {
  const signer = deriveSigner(crypto, seed, ORIGIN)
  const verifier = verifierFor(crypto, seed, ORIGIN)
  const input = { origin: ORIGIN, size: 42, rootHash: root }

  it('sign and open, with the log signature under the origin', () => {
    const note = signCheckpoint(signer, input)
    expect(note.startsWith(`${ORIGIN}\n42\n${ROOT_B64}\n\n\u2014 ${ORIGIN} `)).toBe(true)
    const opened = openCheckpoint(crypto, note, verifier)
    expect(opened.checkpoint).toEqual({ ...input, extensions: [] })
    expect(opened.signatures).toHaveLength(1)
  })

  it("one tenant's key does not open another tenant's checkpoint", () => {
    const other = logOrigin('auditseal.local', '0190c2a4-5b6e-7c3d-8e9f-000000000000')
    const note = signCheckpoint(deriveSigner(crypto, seed, other), { ...input, origin: other })
    // Same Ed25519 key, but the key ID depends on the name: the note is not signed by `verifier`.
    expect(thrown(() => openCheckpoint(crypto, note, verifier)).code).toBe('NOTE_UNVERIFIED')
  })

  it('rejects a checkpoint whose origin is not the key name', () => {
    const note = signNote(formatCheckpoint({ ...input, origin: 'elsewhere' }), [signer])
    const error = thrown(() => openCheckpoint(crypto, note, verifier))
    expect(error.code).toBe('CHECKPOINT_ORIGIN_MISMATCH')
    expect(error.message).toBe(
      `checkpoint origin "elsewhere" is not the verifier key's name "${ORIGIN}"`,
    )
  })

  it('refuses to sign for an origin that is not the signer name', () => {
    const error = thrown(() => signCheckpoint(signer, { ...input, origin: 'elsewhere' }))
    expect(error.code).toBe('INVALID_ARGUMENT')
  })

  it('ignores a witness cosignature it has no key for', () => {
    const witness = deriveSigner(crypto, new Uint8Array(32).fill(12), 'witness.example/w1')
    const note = signNote(formatCheckpoint(input), [signer, witness])
    const opened = openCheckpoint(crypto, note, verifier)
    expect(opened.unverified.map((s) => s.name)).toEqual(['witness.example/w1'])
  })
})

/** A checkpoint line: non-empty, no newline or other control character. */
function isLine(s: string): boolean {
  return s !== '' && [...s].every((c) => c.charCodeAt(0) >= 0x20)
}
