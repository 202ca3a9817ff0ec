// The export line's suffix read straight from its bytes, for the verifier's fast path: an
// export line is E's canonical text with `,"seq":N,"leaf_hash":"<base64>"}` in place of its
// closing brace (eventJson, store/event-rows.ts). This reads the suffix from the end of the
// line, strictly — exactly the lines parseExportLine reads as in the export form, and of
// those only the ones whose seq is a safe integer and whose base64 is canonical — without
// decoding the rest of the line. Anything else is left to the full path (export-line.ts).

/** `,"seq":` */
const SEQ_MEMBER = [0x2c, 0x22, 0x73, 0x65, 0x71, 0x22, 0x3a]
/** `,"leaf_hash":"` */
const LEAF_MEMBER = [
  0x2c, 0x22, 0x6c, 0x65, 0x61, 0x66, 0x5f, 0x68, 0x61, 0x73, 0x68, 0x22, 0x3a, 0x22,
]
const QUOTE = 0x22
const CLOSING_BRACE = 0x7d
const EQUALS = 0x3d
const ZERO = 0x30
const NINE = 0x39
/** A 32-byte hash in padded base64: 43 characters and `=`. */
const BASE64_CHARS = 44
/** Digits of the largest seq read here (Number.MAX_SAFE_INTEGER has 16). */
const MAX_SEQ_DIGITS = 15

const BASE64_VALUE = new Int8Array(256).fill(-1)
for (const [i, c] of [
  ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/',
].entries()) {
  BASE64_VALUE[c.charCodeAt(0)] = i
}

/** What the suffix of one line says. Reused from line to line: read it before the next. */
export interface SealedSuffix {
  /** The seq the line claims. */
  seq: number
  /** Where the suffix begins: E's text is bytes[start, eventEnd) followed by `}`. */
  eventEnd: number
  /** The leaf hash the line claims, decoded. */
  readonly leafHash: Uint8Array
}

export function newSealedSuffix(): SealedSuffix {
  return { seq: -1, eventEnd: -1, leafHash: new Uint8Array(32) }
}

/**
 * readSealedSuffix reads the suffix of the line bytes[start, end) (no newline) into `out`;
 * false when the line does not end in exactly `,"seq":<digits>,"leaf_hash":"<base64>"}` with
 * something before it, the digits without a leading zero and at most 15 of them, the base64
 * of 32 bytes with zero padding bits. Pure.
 */
export function readSealedSuffix(
  bytes: Uint8Array,
  start: number,
  end: number,
  out: SealedSuffix,
): boolean {
  const base64 = end - 2 - BASE64_CHARS
  const leafMember = base64 - LEAF_MEMBER.length
  if (leafMember - 1 - SEQ_MEMBER.length <= start) return false
  if (bytes[end - 1] !== CLOSING_BRACE || bytes[end - 2] !== QUOTE) return false
  if (bytes[end - 3] !== EQUALS || !decodeHash(bytes, base64, out.leafHash)) return false
  for (let i = 0; i < LEAF_MEMBER.length; i++) {
    if (bytes[leafMember + i] !== LEAF_MEMBER[i]) return false
  }
  let digits = leafMember
  while (digits > start) {
    const c = bytes[digits - 1] as number
    if (c < ZERO || c > NINE) break
    digits--
  }
  const count = leafMember - digits
  if (count === 0 || count > MAX_SEQ_DIGITS) return false
  if (count > 1 && bytes[digits] === ZERO) return false
  const eventEnd = digits - SEQ_MEMBER.length
  if (eventEnd <= start) return false
  for (let i = 0; i < SEQ_MEMBER.length; i++) {
    if (bytes[eventEnd + i] !== SEQ_MEMBER[i]) return false
  }
  let seq = 0
  for (let i = digits; i < leafMember; i++) seq = seq * 10 + ((bytes[i] as number) - ZERO)
  out.seq = seq
  out.eventEnd = eventEnd
  return true
}

/** Decodes 43 base64 characters at `at` (then `=`) into 32 bytes; false if any is not one. */
function decodeHash(bytes: Uint8Array, at: number, into: Uint8Array): boolean {
  let o = 0
  let i = at
  for (; o < 30; i += 4) {
    const a = BASE64_VALUE[bytes[i] as number] as number
    const b = BASE64_VALUE[bytes[i + 1] as number] as number
    const c = BASE64_VALUE[bytes[i + 2] as number] as number
    const d = BASE64_VALUE[bytes[i + 3] as number] as number
    if ((a | b | c | d) < 0) return false
    const v = (a << 18) | (b << 12) | (c << 6) | d
    into[o++] = v >>> 16
    into[o++] = (v >>> 8) & 0xff
    into[o++] = v & 0xff
  }
  const a = BASE64_VALUE[bytes[i] as number] as number
  const b = BASE64_VALUE[bytes[i + 1] as number] as number
  const c = BASE64_VALUE[bytes[i + 2] as number] as number
  if ((a | b | c) < 0 || (c & 0b11) !== 0) return false
  const v = (a << 12) | (b << 6) | c
  into[o++] = v >>> 10
  into[o] = (v >>> 2) & 0xff
  return true
}

/** Whether a computed leaf (a binary string) equals the decoded one. */
export function sameLeaf(leaf: string, leafHash: Uint8Array): boolean {
  if (leaf.length !== leafHash.length) return false
  let diff = 0
  for (let i = 0; i < leafHash.length; i++) diff |= leaf.charCodeAt(i) ^ (leafHash[i] as number)
  return diff === 0
}
