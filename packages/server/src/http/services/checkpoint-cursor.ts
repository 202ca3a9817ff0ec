// Cursors of GET /v1/checkpoints: opaque to clients, base64url of "cp1:<tree size>", the size
// of the last checkpoint of the previous page (pages go newest first).

import { ApiError } from '../errors.js'

export function encodeCheckpointCursor(treeSize: number): string {
  return Buffer.from(`cp1:${treeSize}`, 'utf8').toString('base64url')
}

export function decodeCheckpointCursor(cursor: string): number {
  const match = /^[A-Za-z0-9_-]{1,64}$/.test(cursor)
    ? /^cp1:([1-9][0-9]{0,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'))
    : null
  const size = match ? Number(match[1]) : NaN
  if (!Number.isSafeInteger(size)) throw new ApiError('invalid_cursor')
  return size
}
