// The acknowledgement watermark: every record before this position has been acknowledged by
// the server (or moved to the dead-letter file), so a restart resends only what follows it.
//
// The file holds two 32-byte slots written alternately in place, each with a generation
// number and a checksum; the valid slot with the higher generation wins. A write torn by a
// crash damages at most the slot being written, and the other still holds the previous
// watermark. Losing the newest watermark is harmless: the records after the older one are
// sent again and the server answers `duplicate` for the ones it already has (ids are
// idempotency keys). So the file is written without waiting for the disk (the OS writes it
// back in its own time), and fdatasynced only by close().

import { closeSync, existsSync, fdatasyncSync, openSync, readSync, writeSync } from 'node:fs'
import { crc32c } from './crc32c.js'
import type { Position } from './position.js'

const SLOT_BYTES = 32
const MAGIC = Buffer.from('ASAK', 'latin1').readUInt32LE(0)

export class AckFile {
  #fd: number
  #generation = 0
  #dirty = false
  #watermark: Position | undefined
  readonly #slot = Buffer.alloc(SLOT_BYTES)

  private constructor(fd: number) {
    this.#fd = fd
  }

  /** Opens (or creates) the watermark file at `path` and reads the newest valid slot. */
  static open(path: string): AckFile {
    const file = new AckFile(openSync(path, existsSync(path) ? 'r+' : 'w+', 0o600))
    const both = Buffer.alloc(2 * SLOT_BYTES)
    const read = readSync(file.#fd, both, 0, both.length, 0)
    for (const start of [0, SLOT_BYTES]) {
      if (start + SLOT_BYTES > read) continue
      const slot = decodeSlot(both.subarray(start, start + SLOT_BYTES))
      if (slot && slot.generation > file.#generation) {
        file.#generation = slot.generation
        file.#watermark = { segment: slot.segment, offset: slot.offset }
      }
    }
    return file
  }

  /** The last watermark written, or undefined if none was ever (validly) written. */
  get watermark(): Position | undefined {
    return this.#watermark
  }

  /** Records a new watermark, in the OS's cache (close() makes it durable). */
  write(position: Position): void {
    this.#generation++
    const slot = this.#slot
    slot.writeUInt32LE(MAGIC, 0)
    slot.writeDoubleLE(this.#generation, 8)
    slot.writeDoubleLE(position.segment, 16)
    slot.writeDoubleLE(position.offset, 24)
    slot.writeUInt32LE(crc32c(slot, 8, SLOT_BYTES), 4)
    writeSync(this.#fd, slot, 0, SLOT_BYTES, (this.#generation % 2) * SLOT_BYTES)
    this.#watermark = position
    this.#dirty = true
  }

  close(): void {
    if (this.#fd < 0) return
    if (this.#dirty) fdatasyncSync(this.#fd)
    closeSync(this.#fd)
    this.#fd = -1
  }
}

function decodeSlot(
  slot: Buffer,
): { generation: number; segment: number; offset: number } | undefined {
  if (slot.readUInt32LE(0) !== MAGIC) return undefined
  if (crc32c(slot, 8, SLOT_BYTES) !== slot.readUInt32LE(4)) return undefined
  const generation = slot.readDoubleLE(8)
  const segment = slot.readDoubleLE(16)
  const offset = slot.readDoubleLE(24)
  const whole = (n: number) => Number.isSafeInteger(n) && n >= 0
  if (!whole(generation) || !whole(segment) || !whole(offset)) return undefined
  return { generation, segment, offset }
}
