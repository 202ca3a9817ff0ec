// Signed notes (c2sp.org/signed-note; golang.org/x/mod/sumdb/note Sign and Open):
//
//   <text, ending in a newline>
//   <blank line>
//   — <key name> base64(uint32 key ID || signature)
//   ...one line per signature
//
// The em dash is U+2014. Every parsed field is attacker-controlled: parsing is strict and
// bounded, and errors say exactly what was wrong.

import { concatBytes, constantTimeEqual, fromBase64, fromUtf8, toBase64, utf8 } from '../bytes.js'
import type { CryptoProvider } from '../crypto/provider.js'
import { AuditsealError, VerificationError } from '../errors.js'
import type { Signer, VerifierKey } from './keys.js'
import { formatKeyId, isValidKeyName, readUint32, uint32Bytes } from './keys.js'
import { noteTextProblem, quote } from './text.js'

/**
 * Most signature lines a note may carry. Go's note.Open rejects notes with more than 100;
 * c2sp.org/signed-note requires accepting at least 16.
 */
export const MAX_NOTE_SIGNATURES = 100

/**
 * Most bytes (UTF-8) of a whole signed note. Go sets no size limit; the spec allows capping
 * the size instead of, or as well as, the count. This is auditseal's own bound: a checkpoint
 * is a few hundred bytes, 100 post-quantum signatures (~5 kB each) fit well within it.
 */
export const MAX_NOTE_BYTES = 1 << 20

const SIGNATURE_PREFIX = '\u2014 ' // em dash, space
const KEY_ID_SIZE = 4

/** One signature line, verified or not. */
export interface NoteSignature {
  readonly name: string
  readonly keyId: number
  /** The line's base64 as it appeared: key ID || signature. */
  readonly base64: string
}

export interface OpenedNote {
  /** The signed text, including its final newline. */
  readonly text: string
  /** Signatures by known keys, all verified; one per key, in order of appearance. */
  readonly signatures: readonly NoteSignature[]
  /** Signatures by unknown keys, not checked; identical lines listed once. */
  readonly unverified: readonly NoteSignature[]
}

/**
 * The keys a reader trusts: a list, or a map built by verifierIndex (faster when the same
 * set opens many notes).
 */
export type Verifiers = readonly VerifierKey[] | ReadonlyMap<string, VerifierKey>

/** keyRef is how a note names a key: `<name>+<hex8>`, the name and key ID together. */
export function keyRef(name: string, keyId: number): string {
  return `${name}+${formatKeyId(keyId)}`
}

/**
 * verifierIndex maps keyRef(name, keyId) to each key. The same key listed twice is kept once;
 * two different keys with the same name and key ID are an error, as in Go's VerifierList
 * (someone has tampered with the trusted list, or a key ID collided).
 */
export function verifierIndex(keys: Iterable<VerifierKey>): ReadonlyMap<string, VerifierKey> {
  const index = new Map<string, VerifierKey>()
  for (const key of keys) {
    const ref = keyRef(key.name, key.keyId)
    const existing = index.get(ref)
    if (existing !== undefined && !constantTimeEqual(existing.publicKey, key.publicKey)) {
      throw new AuditsealError('INVALID_ARGUMENT', `ambiguous key ${quote(ref)}`)
    }
    index.set(ref, key)
  }
  return index
}

/**
 * signNote signs `text` with each signer and returns the signed note. The text must end in a
 * newline, be valid UTF-8 and hold no control characters but newline, so that openNote accepts
 * the result; the signatures cover the text's UTF-8 bytes, final newline included.
 */
export function signNote(text: string, signers: readonly Signer[]): string {
  if (!text.endsWith('\n')) invalid('note text must end with a newline')
  const problem = noteTextProblem(text)
  if (problem !== undefined) invalid(`note text ${problem}`)
  if (signers.length === 0) invalid('a note needs at least one signer')
  if (signers.length > MAX_NOTE_SIGNATURES) {
    invalid(`${signers.length} signers, more than the ${MAX_NOTE_SIGNATURES} a note may carry`)
  }

  const message = utf8(text)
  const seen = new Set<string>()
  let lines = ''
  for (const signer of signers) {
    const ref = keyRef(signer.name, signer.keyId)
    if (!isValidKeyName(signer.name) || noteTextProblem(signer.name) !== undefined) {
      invalid(`invalid signer name ${quote(signer.name)}`)
    }
    if (!Number.isInteger(signer.keyId) || signer.keyId < 0 || signer.keyId > 0xffffffff) {
      invalid(`signer ${quote(signer.name)} has key ID ${signer.keyId}, not a uint32`)
    }
    if (seen.has(ref)) invalid(`signer ${quote(ref)} is listed twice`)
    seen.add(ref)
    const signature = concatBytes(uint32Bytes(signer.keyId), signer.sign(message))
    lines += `${SIGNATURE_PREFIX}${signer.name} ${toBase64(signature)}\n`
  }

  const note = `${text}\n${lines}`
  const size = utf8(note).length
  if (size > MAX_NOTE_BYTES) {
    invalid(`the signed note would be ${size} bytes, more than ${MAX_NOTE_BYTES}`)
  }
  return note
}

/**
 * openNote parses a signed note and verifies its signatures against the trusted keys
 * (c2sp.org/signed-note §Signatures; Go's note.Open):
 *
 * - a signature whose name and key ID (both) match no trusted key is ignored, and listed in
 *   `unverified`;
 * - a signature by a trusted key that does not verify rejects the whole note
 *   (VerificationError 'NOTE_SIGNATURE_INVALID'). Go skips further signatures by a key it has
 *   already seen without checking them; here every distinct one must verify;
 * - if no trusted key signed, the note is rejected ('NOTE_UNVERIFIED');
 * - anything malformed, more than MAX_NOTE_SIGNATURES lines, or more than MAX_NOTE_BYTES,
 *   is rejected with 'MALFORMED_NOTE'. Base64 must be canonical (Go's is lenient).
 *
 * `message` may be the note's bytes (checked to be UTF-8) or its text.
 */
export function openNote(
  crypto: CryptoProvider,
  message: string | Uint8Array,
  verifiers: Verifiers,
): OpenedNote {
  const note = decodeNote(message)
  const split = note.lastIndexOf('\n\n')
  if (split < 0) malformed('no blank line between the text and the signatures')
  const text = note.slice(0, split + 1)
  const block = note.slice(split + 2)
  if (block === '') malformed('no signature lines after the blank line')
  if (!block.endsWith('\n')) malformed('the last signature line does not end with a newline')
  const lines = block.slice(0, -1).split('\n')
  if (lines.length > MAX_NOTE_SIGNATURES) {
    malformed(`${lines.length} signature lines, more than ${MAX_NOTE_SIGNATURES}`)
  }

  const index: ReadonlyMap<string, VerifierKey> = Array.isArray(verifiers)
    ? verifierIndex(verifiers as readonly VerifierKey[])
    : (verifiers as ReadonlyMap<string, VerifierKey>)
  const textBytes = utf8(text)
  const signatures: NoteSignature[] = []
  const unverified: NoteSignature[] = []
  const seenLines = new Set<string>()
  const verifiedRefs = new Set<string>()

  lines.forEach((line, i) => {
    const parsed = parseSignatureLine(line, i + 1)
    if (seenLines.has(line)) return // an identical line adds nothing
    seenLines.add(line)
    const ref = keyRef(parsed.name, parsed.keyId)
    const key = index.get(ref)
    if (key === undefined) {
      unverified.push(parsed.signature)
      return
    }
    if (key.name !== parsed.name || key.keyId !== parsed.keyId) {
      throw new AuditsealError(
        'INVALID_ARGUMENT',
        `verifier map holds another key at ${quote(ref)}`,
      )
    }
    if (!crypto.ed25519.verify(key.publicKey, textBytes, parsed.bytes)) {
      throw new VerificationError(
        'NOTE_SIGNATURE_INVALID',
        `invalid signature for key ${quote(ref)}`,
      )
    }
    if (verifiedRefs.has(ref)) return
    verifiedRefs.add(ref)
    signatures.push(parsed.signature)
  })

  if (signatures.length === 0) {
    const names = unverified.slice(0, 5).map((s) => quote(keyRef(s.name, s.keyId)))
    const more = unverified.length > 5 ? ', …' : ''
    throw new VerificationError(
      'NOTE_UNVERIFIED',
      `note has no signature by a trusted key (signed by ${names.join(', ')}${more})`,
    )
  }
  return { text, signatures, unverified }
}

/** decodeNote applies the size cap and the character rules of c2sp.org/signed-note §Format. */
function decodeNote(message: string | Uint8Array): string {
  let note: string
  if (typeof message === 'string') {
    // UTF-8 is never shorter than UTF-16 code units: a cheap early check, then the exact one.
    if (message.length > MAX_NOTE_BYTES) malformed(`more than ${MAX_NOTE_BYTES} bytes`)
    note = message
  } else {
    if (message.length > MAX_NOTE_BYTES) malformed(`more than ${MAX_NOTE_BYTES} bytes`)
    try {
      note = fromUtf8(message)
    } catch {
      malformed('not valid UTF-8')
    }
    // TextDecoder drops a leading byte order mark; it is part of the signed text, keep it.
    if (message[0] === 0xef && message[1] === 0xbb && message[2] === 0xbf) note = `\ufeff${note}`
  }
  const problem = noteTextProblem(note)
  if (problem !== undefined) malformed(`the note ${problem}`)
  if (typeof message === 'string' && utf8(note).length > MAX_NOTE_BYTES) {
    malformed(`more than ${MAX_NOTE_BYTES} bytes`)
  }
  return note
}

interface ParsedLine {
  name: string
  keyId: number
  /** The signature proper, without the key ID. */
  bytes: Uint8Array
  signature: NoteSignature
}

/** parseSignatureLine reads `— <name> <base64>`; `n` counts signature lines from 1. */
function parseSignatureLine(line: string, n: number): ParsedLine {
  const where = `signature line ${n}`
  if (!line.startsWith(SIGNATURE_PREFIX)) {
    malformed(`${where}: does not start with an em dash (U+2014) and a space`)
  }
  const rest = line.slice(SIGNATURE_PREFIX.length)
  const space = rest.indexOf(' ')
  if (space < 0) malformed(`${where}: no space between the key name and the signature`)
  const name = rest.slice(0, space)
  const base64 = rest.slice(space + 1)
  if (!isValidKeyName(name)) malformed(`${where}: invalid key name ${quote(name)}`)
  const decoded = fromBase64(base64)
  if (decoded === undefined) malformed(`${where}: the signature is not canonical base64`)
  if (decoded.length <= KEY_ID_SIZE) {
    malformed(`${where}: ${decoded.length} bytes, too short for a key ID and a signature`)
  }
  const keyId = readUint32(decoded, 0)
  return { name, keyId, bytes: decoded.slice(KEY_ID_SIZE), signature: { name, keyId, base64 } }
}

function malformed(detail: string): never {
  throw new AuditsealError('MALFORMED_NOTE', `malformed note: ${detail}`)
}

function invalid(detail: string): never {
  throw new AuditsealError('INVALID_ARGUMENT', detail)
}
