import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Signer } from '@auditseal/core'
import {
  MAX_NOTE_BYTES,
  MAX_NOTE_SIGNATURES,
  deriveSigner,
  keyRef,
  nobleCrypto,
  openNote,
  parsePrivateKey,
  signNote,
  utf8,
  verifierFor,
  verifierIndex,
} from '@auditseal/core'
import { thrown, vectors, verifierOf } from './vectors.js'

const crypto = nobleCrypto
const spec = verifierOf('spec')
const peter = verifierOf('peter')
const enoch = verifierOf('enoch')
const SPEC_TEXT = 'This is an example message.\n'
const SPEC_NOTE = `${SPEC_TEXT}\n\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n`
const GO_TEXT =
  'If you think cryptography is the answer to your problem,\n' +
  "then you don't know what your problem is.\n"
const PETER_SIG =
  '\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n'
const ENOCH_SIG =
  '\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n'
const peterSigner = (): Signer =>
  deriveSigner(crypto, parsePrivateKey(crypto, vectors.keys.peter?.skey ?? '').seed, 'PeterNeumann')
const seed = (byte: number) => new Uint8Array(32).fill(byte)

describe('the c2sp.org/signed-note example', () => {
  it('opens with its verifier key', () => {
    const opened = openNote(crypto, SPEC_NOTE, [spec])
    expect(opened.text).toBe(SPEC_TEXT)
    expect(opened.signatures).toEqual([
      {
        name: 'example.com/foo',
        keyId: 0x530d903a,
        base64:
          'Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=',
      },
    ])
    expect(opened.unverified).toEqual([])
  })

  describe('when one character of the text is edited', () => {
    for (let i = 0; i < SPEC_TEXT.length - 1; i++) {
      it(`rejects the edit at offset ${i}`, () => {
        const edited =
          SPEC_NOTE.slice(0, i) + (SPEC_NOTE[i] === 'x' ? 'y' : 'x') + SPEC_NOTE.slice(i + 1)
        expect(thrown(() => openNote(crypto, edited, [spec])).code).toBe('NOTE_SIGNATURE_INVALID')
      })
    }
  })

  it('rejects every single-bit change of its bytes', () => {
    const bytes = utf8(SPEC_NOTE)
    for (let i = 0; i < bytes.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const changed = bytes.slice()
        changed[i] = (changed[i] as number) ^ (1 << bit)
        expect(() => openNote(crypto, changed, [spec]), `byte ${i} bit ${bit}`).toThrow()
      }
    }
  })
})

describe("golang.org/x/mod/sumdb/note's example", () => {
  it('signing its text with its key reproduces its signed message exactly', () => {
    expect(signNote(GO_TEXT, [peterSigner()])).toBe(`${GO_TEXT}\n${PETER_SIG}`)
  })

  it('opens, with the signature listed under its name and key ID', () => {
    const opened = openNote(crypto, `${GO_TEXT}\n${PETER_SIG}`, [peter])
    expect(opened.signatures.map((s) => keyRef(s.name, s.keyId))).toEqual(['PeterNeumann+c74f20a3'])
  })
})

describe('keys the reader does not know', () => {
  it('are ignored and listed as unverified', () => {
    const opened = openNote(crypto, `${GO_TEXT}\n${ENOCH_SIG}${PETER_SIG}`, [peter])
    expect(opened.signatures.map((s) => s.name)).toEqual(['PeterNeumann'])
    expect(opened.unverified.map((s) => s.name)).toEqual(['EnochRoot'])
  })

  it('are not checked, so a garbage signature by one does no harm', () => {
    const garbage = `\u2014 someone.else ${'A'.repeat(86)}==\n`
    expect(openNote(crypto, `${GO_TEXT}\n${PETER_SIG}${garbage}`, [peter]).unverified).toHaveLength(
      1,
    )
  })

  it('alone leave the note unverified, and the error names them', () => {
    const error = thrown(() => openNote(crypto, `${GO_TEXT}\n${PETER_SIG}${ENOCH_SIG}`, [spec]))
    expect(error.code).toBe('NOTE_UNVERIFIED')
    expect(error.message).toBe(
      'note has no signature by a trusted key (signed by "PeterNeumann+c74f20a3", "EnochRoot+af0cfe78")',
    )
  })
})

describe('a known key whose signature does not verify', () => {
  it('rejects the whole note, even beside a good signature', () => {
    const bad = PETER_SIG.slice(0, 60) + 'ABCD' + PETER_SIG.slice(60)
    const error = thrown(() => openNote(crypto, `${GO_TEXT}\n${ENOCH_SIG}${bad}`, [peter, enoch]))
    expect(error.code).toBe('NOTE_SIGNATURE_INVALID')
    expect(error.message).toBe('invalid signature for key "PeterNeumann+c74f20a3"')
  })
})

describe('signature limits', () => {
  it(`rejects more than ${MAX_NOTE_SIGNATURES} signature lines, as Go does`, () => {
    const error = thrown(() => openNote(crypto, GO_TEXT + '\n' + PETER_SIG.repeat(101), [peter]))
    expect(error.code).toBe('MALFORMED_NOTE')
    expect(error.message).toBe('malformed note: 101 signature lines, more than 100')
  })

  it(`accepts ${MAX_NOTE_SIGNATURES} lines, repeated lines counted once`, () => {
    const opened = openNote(crypto, GO_TEXT + '\n' + PETER_SIG.repeat(100), [peter])
    expect(opened.signatures).toHaveLength(1)
  })

  it('accepts 16 distinct signatures, the least the spec requires', () => {
    const signers = Array.from({ length: 16 }, (_, i) => deriveSigner(crypto, seed(i), `k${i}`))
    const note = signNote('sixteen\n', signers)
    const keys = signers.map((s) => verifierFor(crypto, seed(Number(s.name.slice(1))), s.name))
    expect(openNote(crypto, note, keys).signatures).toHaveLength(16)
  })

  it(`rejects a note over ${MAX_NOTE_BYTES} bytes, as text or bytes`, () => {
    const big = `${'a'.repeat(MAX_NOTE_BYTES)}\n\n${PETER_SIG}`
    expect(thrown(() => openNote(crypto, big, [peter])).message).toBe(
      `malformed note: more than ${MAX_NOTE_BYTES} bytes`,
    )
    expect(thrown(() => openNote(crypto, utf8(big), [peter])).code).toBe('MALFORMED_NOTE')
  })

  it('counts bytes, not UTF-16 units', () => {
    // 'é' is one UTF-16 unit but two UTF-8 bytes.
    const big = `${'é'.repeat(MAX_NOTE_BYTES / 2)}\n\n${PETER_SIG}`
    expect(big.length).toBeLessThan(MAX_NOTE_BYTES)
    expect(thrown(() => openNote(crypto, big, [peter])).code).toBe('MALFORMED_NOTE')
  })
})

describe('malformed notes', () => {
  const cases: [string, string, string][] = [
    ['no blank line', GO_TEXT, 'no blank line between the text and the signatures'],
    [
      'an unpaired surrogate',
      `\ud800${GO_TEXT}\n${PETER_SIG}`,
      'the note is not valid UTF-8 (offset 0)',
    ],
    [
      'a NUL byte',
      `${GO_TEXT}\u0000\n\n${PETER_SIG}`,
      'the note contains the control character U+0000 at offset 99',
    ],
    [
      "a '+' in a key name",
      `${GO_TEXT}\n${PETER_SIG.replace('PeterNeumann', 'Peter+Neumann')}`,
      'signature line 1: invalid key name "Peter+Neumann"',
    ],
    [
      'a signature line without the em dash',
      `${GO_TEXT}\n${PETER_SIG.slice(1)}`,
      'signature line 1: does not start with an em dash (U+2014) and a space',
    ],
  ]
  for (const [what, message, detail] of cases) {
    it(`rejects ${what}`, () => {
      const error = thrown(() => openNote(crypto, message, [peter]))
      expect(error.code).toBe('MALFORMED_NOTE')
      expect(error.message).toBe(`malformed note: ${detail}`)
    })
  }

  it('treats lines before a later blank line as text, so their signatures cover nothing', () => {
    const note = `${GO_TEXT}\n${PETER_SIG}\n${ENOCH_SIG}`
    expect(thrown(() => openNote(crypto, note, [peter])).code).toBe('NOTE_UNVERIFIED')
    expect(thrown(() => openNote(crypto, note, [enoch])).code).toBe('NOTE_SIGNATURE_INVALID')
  })

  it('splits at the last blank line, so the text may hold blank lines', () => {
    const signer = deriveSigner(crypto, seed(1), 'poet')
    const text = 'Ognuno sta solo sul cuor della terra\n\ned è subito sera.\n\n'
    const opened = openNote(crypto, signNote(text, [signer]), [signer])
    expect(opened.text).toBe(text)
  })
})

describe('text outside ASCII', () => {
  const signer = deriveSigner(crypto, seed(2), 'unicode.example')
  for (const text of ['ed è subito sera\n', '😀 astral\n', '\ufeffbyte order mark first\n']) {
    it(`round-trips ${JSON.stringify(text)} as text and as bytes`, () => {
      const note = signNote(text, [signer])
      expect(openNote(crypto, note, [signer]).text).toBe(text)
      expect(openNote(crypto, utf8(note), [signer]).text).toBe(text)
    })
  }
})

describe('signNote', () => {
  const signer = deriveSigner(crypto, seed(3), 'log.example')
  const cases: [string, () => unknown, string][] = [
    [
      'text without a final newline',
      () => signNote('abc', [signer]),
      'note text must end with a newline',
    ],
    [
      'a control character',
      () => signNote('a\rb\n', [signer]),
      'note text contains the control character U+000D at offset 1',
    ],
    ['no signer', () => signNote('a\n', []), 'a note needs at least one signer'],
    [
      'the same key twice',
      () => signNote('a\n', [signer, signer]),
      `signer "${keyRef(signer.name, signer.keyId)}" is listed twice`,
    ],
    [
      'a bad signer name',
      () => signNote('a\n', [{ ...signer, name: 'bad name' }]),
      'invalid signer name "bad name"',
    ],
    [
      '101 signers',
      () =>
        signNote(
          'a\n',
          Array.from({ length: 101 }, (_, i) => ({ ...signer, keyId: i })),
        ),
      '101 signers, more than the 100 a note may carry',
    ],
    [
      'a note that would be too large',
      () => signNote(`${'a'.repeat(MAX_NOTE_BYTES)}\n`, [signer]),
      // text and newline, blank line, "— " (4 bytes), name, space, 92 base64, newline
      `the signed note would be ${MAX_NOTE_BYTES + 1 + 1 + 4 + signer.name.length + 1 + 92 + 1} bytes, more than ${MAX_NOTE_BYTES}`,
    ],
  ]
  for (const [what, sign, message] of cases) {
    it(`refuses ${what}`, () => {
      const error = thrown(sign)
      expect(error.code).toBe('INVALID_ARGUMENT')
      expect(error.message).toBe(message)
    })
  }

  it('signs with every signer, in order', () => {
    const other = deriveSigner(crypto, seed(4), 'witness.example')
    const opened = openNote(crypto, signNote('a\n', [signer, other]), [other, signer])
    expect(opened.signatures.map((s) => s.name)).toEqual(['log.example', 'witness.example'])
  })

  it('produces notes that open, and that no single-bit change leaves valid', () => {
    const text = fc
      .string({ unit: 'grapheme', maxLength: 80 })
      .map((s) => s.replace(/[\u0000-\u0009\u000b-\u001f]/g, '?') + '\n') // eslint-disable-line no-control-regex
    fc.assert(
      fc.property(text, fc.nat(), (text, position) => {
        const bytes = utf8(signNote(text, [signer]))
        expect(openNote(crypto, bytes, [signer]).text).toBe(text)
        const changed = bytes.slice()
        const i = position % bytes.length
        changed[i] = (changed[i] as number) ^ (1 << (position % 8))
        expect(() => openNote(crypto, changed, [signer])).toThrow()
      }),
      { numRuns: 200 },
    )
  })
})

describe('verifier sets', () => {
  it('a map from verifierIndex opens notes like a list does', () => {
    const index = verifierIndex([peter, enoch])
    const opened = openNote(crypto, `${GO_TEXT}\n${PETER_SIG}${ENOCH_SIG}`, index)
    expect(opened.signatures).toHaveLength(2)
  })

  it('lists the same key twice once', () => {
    expect(verifierIndex([peter, peter]).size).toBe(1)
  })

  it('refuses two different keys under one name and key ID', () => {
    const impostor = { ...peter, publicKey: enoch.publicKey }
    expect(thrown(() => verifierIndex([peter, impostor])).message).toBe(
      'ambiguous key "PeterNeumann+c74f20a3"',
    )
  })

  it('refuses a map that holds a key under another key reference', () => {
    const wrong = new Map([[keyRef(peter.name, peter.keyId), enoch]])
    expect(thrown(() => openNote(crypto, `${GO_TEXT}\n${PETER_SIG}`, wrong)).code).toBe(
      'INVALID_ARGUMENT',
    )
  })
})
