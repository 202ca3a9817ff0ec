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

const UUID_CHARS = 36
const DASH = 0x2d
const BACKSLASH = 0x5c
const COLON = 0x3a
const COMMA = 0x2c
const OPEN_BRACE = 0x7b
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d
/** `id` */
const ID_KEY = [0x69, 0x64]

/** What eventIdAt answers for an event whose own id cannot be read from its bytes alone. */
export const ID_NOT_PLAIN = -1

/**
 * eventIdAt finds the event's own id in E's text bytes[start, eventEnd) (the export line's
 * event, its closing brace replaced by the suffix) without decoding it: where the 36
 * characters of its top-level `id` begin. It walks the top-level members only, skipping each
 * value (strings with their escapes, nested objects and arrays), and answers ID_NOT_PLAIN
 * unless the text is, at the top level, as RFC 8785 writes it: no white space, member names
 * in strictly increasing order without escapes (so each name once: JSON.parse would keep the
 * last of two), and `id` a lowercase UUID without escapes. Where it answers a place, JSON.parse
 * reads that very id; elsewhere the caller must parse the text to learn it. Pure.
 */
export function eventIdAt(bytes: Uint8Array, start: number, eventEnd: number): number {
  if (bytes[start] !== OPEN_BRACE) return ID_NOT_PLAIN
  let at = start + 1
  let previousName = -1
  let previousLength = 0
  let idAt = ID_NOT_PLAIN
  for (;;) {
    // A member name: "…" without escapes, greater than the one before.
    if (bytes[at] !== QUOTE) return ID_NOT_PLAIN
    const name = at + 1
    let end = name
    while (end < eventEnd && bytes[end] !== QUOTE) {
      if (bytes[end] === BACKSLASH || (bytes[end] as number) < 0x20) return ID_NOT_PLAIN
      end++
    }
    if (end >= eventEnd || bytes[end + 1] !== COLON) return ID_NOT_PLAIN
    const length = end - name
    if (previousName >= 0 && compareBytes(bytes, previousName, previousLength, name, length) >= 0) {
      return ID_NOT_PLAIN
    }
    previousName = name
    previousLength = length
    at = end + 2
    if (length === 2 && bytes[name] === ID_KEY[0] && bytes[name + 1] === ID_KEY[1]) {
      if (bytes[at] !== QUOTE || bytes[at + 1 + UUID_CHARS] !== QUOTE) return ID_NOT_PLAIN
      if (!isLowercaseUuid(bytes, at + 1)) return ID_NOT_PLAIN
      idAt = at + 1
      at += UUID_CHARS + 2
    } else {
      at = skipValue(bytes, at, eventEnd)
      if (at < 0) return ID_NOT_PLAIN
    }
    if (at === eventEnd) return idAt // the end of E's members: the suffix follows
    if (bytes[at] !== COMMA) return ID_NOT_PLAIN
    at++
  }
}

/** The event's own id when eventIdAt can read it, else undefined. */
export function readEventId(
  bytes: Uint8Array,
  start: number,
  eventEnd: number,
): string | undefined {
  const at = eventIdAt(bytes, start, eventEnd)
  return at < 0
    ? undefined
    : Buffer.from(bytes.buffer, bytes.byteOffset + at, UUID_CHARS).toString('latin1')
}

/**
 * Where the JSON value at bytes[at] ends (the index after it), or -1 when it is not one this
 * walk can skip: a string (escapes skipped, no raw control characters), an object or array
 * (by nesting depth, strings inside skipped), or a number or literal (up to `,`).
 */
function skipValue(bytes: Uint8Array, at: number, end: number): number {
  const first = bytes[at]
  if (first === QUOTE) return skipString(bytes, at, end)
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    let depth = 0
    let i = at
    while (i < end) {
      const c = bytes[i] as number
      if (c === QUOTE) {
        i = skipString(bytes, i, end)
        if (i < 0) return -1
        continue
      }
      if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++
      else if (c === CLOSING_BRACE || c === CLOSE_BRACKET) {
        if (--depth === 0) return i + 1
      }
      i++
    }
    return -1
  }
  let i = at
  while (i < end) {
    const c = bytes[i] as number
    if (c === COMMA) break
    // A number or true/false/null: no white space, no structure.
    if (c <= 0x20 || c === QUOTE || c === OPEN_BRACE || c === OPEN_BRACKET) return -1
    if (c === CLOSING_BRACE || c === CLOSE_BRACKET || c === COLON) return -1
    i++
  }
  return i > at ? i : -1
}

/** Where the string starting at bytes[at] (a quote) ends, or -1. */
function skipString(bytes: Uint8Array, at: number, end: number): number {
  for (let i = at + 1; i < end; i++) {
    const c = bytes[i] as number
    if (c === QUOTE) return i + 1
    if (c === BACKSLASH) i++
    else if (c < 0x20) return -1
  }
  return -1
}

function compareBytes(bytes: Uint8Array, a: number, aLength: number, b: number, bLength: number) {
  const n = Math.min(aLength, bLength)
  for (let i = 0; i < n; i++) {
    const d = (bytes[a + i] as number) - (bytes[b + i] as number)
    if (d !== 0) return d
  }
  return aLength - bLength
}

function isLowercaseUuid(bytes: Uint8Array, at: number): boolean {
  for (let i = 0; i < UUID_CHARS; i++) {
    const c = bytes[at + i] as number
    const dash = i === 8 || i === 13 || i === 18 || i === 23
    if (dash ? c !== DASH : !((c >= ZERO && c <= NINE) || (c >= 0x61 && c <= 0x66))) return false
  }
  return true
}
