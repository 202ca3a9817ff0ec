// Tree sizes and leaf indexes are plain numbers, exact up to 2^53. JavaScript's bit operators
// work on 32 bits, so everything here is arithmetic: a log of five billion events must work.

import { AuditsealError } from '../errors.js'

/** The largest tree size this implementation accepts (Number.MAX_SAFE_INTEGER). */
export const MAX_TREE_SIZE = Number.MAX_SAFE_INTEGER

export function assertSize(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new AuditsealError(
      'INVALID_ARGUMENT',
      `${name} must be an integer from 0 to 2^53-1, got ${String(value)}`,
    )
  }
}

/** value / 2^shift, rounded down: a right shift that does not wrap at 32 bits. */
export function shiftRight(value: number, shift: number): number {
  return Math.floor(value / 2 ** shift)
}

export function isOdd(value: number): boolean {
  return value % 2 === 1
}

/**
 * maxPow2 returns k, the largest power of two smaller than n, and level = log2(k).
 * Requires n >= 2 (RFC 6962 §2.1 splits a list of n > 1 entries at k < n <= 2k).
 */
export function maxPow2(n: number): { k: number; level: number } {
  let k = 1
  let level = 0
  while (k * 2 < n) {
    k *= 2
    level++
  }
  return { k, level }
}

/** The number of one bits in value. */
export function popCount(value: number): number {
  let count = 0
  for (let v = value; v > 0; v = Math.floor(v / 2)) count += v % 2
  return count
}
