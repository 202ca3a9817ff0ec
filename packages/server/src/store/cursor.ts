// Keyset pagination on seq. A cursor is opaque to clients: base64url of "v1:<order>:<seq>".

import { StoreError } from './errors.js'

export type Order = 'asc' | 'desc'

export function encodeCursor(order: Order, seq: number): string {
  return Buffer.from(`v1:${order}:${seq}`, 'utf8').toString('base64url')
}

/** Decodes a cursor made by encodeCursor for the same order; anything else is INVALID_CURSOR. */
export function decodeCursor(cursor: string, order: Order): number {
  const invalid = () => new StoreError('INVALID_CURSOR', 'cursor is not one this API returned')
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(cursor)) throw invalid()
  const match = /^v1:(asc|desc):(0|[1-9][0-9]{0,15})$/.exec(
    Buffer.from(cursor, 'base64url').toString('utf8'),
  )
  if (!match) throw invalid()
  if (match[1] !== order) {
    throw new StoreError('INVALID_CURSOR', `cursor was made for order=${String(match[1])}`)
  }
  const seq = Number(match[2])
  if (!Number.isSafeInteger(seq)) throw invalid()
  return seq
}
