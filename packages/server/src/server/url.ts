import type { AddressInfo } from 'node:net'

/**
 * The URL to print for a listening server. A wildcard host (0.0.0.0, ::) is reachable on every
 * interface; print the loopback form, which works from this machine.
 */
export function listenUrl(address: AddressInfo | string | null, host: string): string {
  if (address === null || typeof address === 'string') return `http://${host}`
  const wildcard = address.address === '0.0.0.0' || address.address === '::'
  const shown = wildcard ? (address.family === 'IPv6' ? '::1' : '127.0.0.1') : address.address
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${address.port}`
}
