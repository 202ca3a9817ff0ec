// The on-disk format of the spool. A segment file is an 8-byte header followed by records
// ("frames"), each self-describing and checksummed, so a reader can tell a whole record from a
// torn or corrupted one and find the next good record after damage:
//
//   offset  size  field
//        0     4  magic "ASR1"              finds the next record after a damaged region
//        4     4  payload length n (u32 LE)
//        8     4  CRC-32C of bytes [12, 36 + n)  covers time, id and payload
//       12     8  loggedAt: Unix ms when log() took the event (float64 LE), for the
//                 "oldest unacknowledged" metric
//       20    16  the event id (UUID bytes): acknowledgements and logSync match on it
//                 without parsing the payload
//       36     n  the event as UTF-8 JSON, exactly as it is sent

import { crc32c } from './crc32c.js'

export const SEGMENT_HEADER = Buffer.from('ASPOOL1\n', 'latin1')
export const SEGMENT_HEADER_BYTES = SEGMENT_HEADER.length

export const FRAME_MAGIC = Buffer.from('ASR1', 'latin1')
const MAGIC_U32 = FRAME_MAGIC.readUInt32LE(0)
export const FRAME_HEADER_BYTES = 36
/**
 * A length field above this marks a damaged record. Events are at most 64 KiB in canonical
 * form (architecture §2) and their JSON is the same size, so 1 MiB is far beyond any real one.
 */
export const MAX_PAYLOAD_BYTES = 1 << 20

/**
 * Writes the frame of one event at target[offset..) and returns its length. Requires target
 * to hold FRAME_HEADER_BYTES + 3 × payload.length bytes from there (UTF-8 needs at most 3
 * bytes per UTF-16 code unit) and `id` to be a lowercase UUID. Without `checksum`, the CRC is
 * left for checksumFrames to write. With `dropTail`, the record's
 * payload is `payload` without the `dropTail` ASCII characters before its closing `}`: the SDK
 * drops the placeholder tenant (`,"tenant_id":"…"`) that way, without copying the text.
 */
export function encodeFrame(
  target: Buffer,
  offset: number,
  id: string,
  payload: string,
  loggedAt: number,
  dropTail = 0,
  checksum = true,
): number {
  let length = target.write(payload, offset + FRAME_HEADER_BYTES, 'utf8')
  if (dropTail > 0) {
    length -= dropTail
    target[offset + FRAME_HEADER_BYTES + length - 1] = 0x7d // }
  }
  target.writeUInt32LE(MAGIC_U32, offset)
  target.writeUInt32LE(length, offset + 4)
  target.writeDoubleLE(loggedAt, offset + 12)
  writeUuid(target, offset + 20, id)
  const end = offset + FRAME_HEADER_BYTES + length
  if (checksum) target.writeUInt32LE(crc32c(target, offset + 12, end), offset + 8)
  return end - offset
}

/**
 * Writes the checksums of the frames in buf[from, to), whole frames encoded without one
 * (`checksum` false): the group commit does this for a buffer just before writing it, so
 * log() does not.
 */
export function checksumFrames(buf: Buffer, from: number, to: number): void {
  for (let at = from; at < to;) {
    const end = at + FRAME_HEADER_BYTES + buf.readUInt32LE(at + 4)
    buf.writeUInt32LE(crc32c(buf, at + 12, end), at + 8)
    at = end
  }
}

/** A whole, checksum-verified frame found at a position of a buffer. */
export interface DecodedFrame {
  id: string
  loggedAt: number
  payloadStart: number
  /** Position just past the frame. */
  end: number
}

/** A frame, or why there is none: `short` when more bytes are needed to tell. */
export type DecodeResult = DecodedFrame | 'short' | 'corrupt'

/** Decodes the frame at buf[pos..end), verifying magic, length and checksum. */
export function decodeFrame(buf: Buffer, pos: number, end: number): DecodeResult {
  if (end - pos < FRAME_HEADER_BYTES) {
    // Judge what is there: a wrong magic is damage now, not a reason to read more.
    const have = Math.min(end - pos, FRAME_MAGIC.length)
    return buf.compare(FRAME_MAGIC, 0, have, pos, pos + have) === 0 ? 'short' : 'corrupt'
  }
  if (buf.readUInt32LE(pos) !== MAGIC_U32) return 'corrupt'
  const length = buf.readUInt32LE(pos + 4)
  if (length > MAX_PAYLOAD_BYTES) return 'corrupt'
  const frameEnd = pos + FRAME_HEADER_BYTES + length
  if (frameEnd > end) return 'short'
  if (crc32c(buf, pos + 12, frameEnd) !== buf.readUInt32LE(pos + 8)) return 'corrupt'
  return {
    id: readUuid(buf, pos + 20),
    loggedAt: buf.readDoubleLE(pos + 12),
    payloadStart: pos + FRAME_HEADER_BYTES,
    end: frameEnd,
  }
}

/** The position of the next possible frame start in buf(from, end), or -1. */
export function findMagic(buf: Buffer, from: number, end: number): number {
  return buf.subarray(0, end).indexOf(FRAME_MAGIC, from)
}

const HEX_VALUE = new Int8Array(128).fill(-1)
for (let i = 0; i < 16; i++) HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i

/** Writes the 16 bytes of a lowercase UUID (8-4-4-4-12 hex digits) at target[offset..). */
function writeUuid(target: Buffer, offset: number, id: string): void {
  let out = offset
  for (let i = 0; i < 36; i += 2) {
    if (i === 8 || i === 13 || i === 18 || i === 23) i++ // a dash
    target[out++] =
      ((HEX_VALUE[id.charCodeAt(i)] as number) << 4) | (HEX_VALUE[id.charCodeAt(i + 1)] as number)
  }
}

function readUuid(buf: Buffer, offset: number): string {
  const hex = buf.toString('hex', offset, offset + 16)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
