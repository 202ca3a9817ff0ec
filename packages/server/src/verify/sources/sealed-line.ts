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

/** `","occurred_at":"`: what follows the event's own id in its canonical text. */
const AFTER_ID = [...'","occurred_at":"'].map((c) => c.charCodeAt(0))
/** `"id":"`: what precedes it. */
const BEFORE_ID = [...'"id":"'].map((c) => c.charCodeAt(0))
const UUID_CHARS = 36
const DASH = 0x2d
/**
 * How far the search may step back when the window's first byte is c: to the nearest earlier
 * place where c lines up with the same byte of AFTER_ID (Horspool's rule, searching backward).
 */
const STEP_BACK = new Uint8Array(256).fill(AFTER_ID.length)
for (let k = AFTER_ID.length - 1; k >= 1; k--) STEP_BACK[AFTER_ID[k] as number] = k

/**
 * eventIdAt finds the event's own id in E's canonical text bytes[start, eventEnd), without
 * decoding it: where its 36 characters begin, or -1 when it is not there as a lowercase UUID.
 * In RFC 8785 order the id is the member right before occurred_at, and only actor, data and
 * error come before it: after it, no object (source, target) may hold an occurred_at, and no
 * string can hold the bytes `","occurred_at":"` (its quotes would be escaped). So the last
 * `","occurred_at":"` follows the event's own id, whatever data holds. Pure.
 */
export function eventIdAt(bytes: Uint8Array, start: number, eventEnd: number): number {
  const first = start + BEFORE_ID.length + UUID_CHARS
  let at = eventEnd - AFTER_ID.length
  while (at >= first) {
    if (matches(bytes, at, AFTER_ID)) {
      const idStart = at - UUID_CHARS
      if (!matches(bytes, idStart - BEFORE_ID.length, BEFORE_ID)) return -1
      return isLowercaseUuid(bytes, idStart) ? idStart : -1
    }
    at -= STEP_BACK[bytes[at] as number] as number
  }
  return -1
}

/** The event's own id (see eventIdAt), or undefined. */
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

function isLowercaseUuid(bytes: Uint8Array, at: number): boolean {
  for (let i = 0; i < UUID_CHARS; i++) {
    const c = bytes[at + i] as number
    const dash = i === 8 || i === 13 || i === 18 || i === 23
    if (dash ? c !== DASH : !((c >= ZERO && c <= NINE) || (c >= 0x61 && c <= 0x66))) return false
  }
  return true
}

function matches(bytes: Uint8Array, at: number, pattern: readonly number[]): boolean {
  for (let i = 0; i < pattern.length; i++) if (bytes[at + i] !== pattern[i]) return false
  return true
}
