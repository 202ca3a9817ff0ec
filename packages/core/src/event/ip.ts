// IP address literals for `source.ip`. Strict, so one address does not hide behind many
// spellings that a query by IP would miss: no leading zeros in IPv4 octets, no zone ids
// (`%eth0`), no ports, no brackets, no CIDR suffix.

const IPV6_GROUP = /^[0-9a-fA-F]{1,4}$/

/** A dotted-quad IPv4 address, each octet 0-255 in decimal without leading zeros. */
export function isIpv4(value: string): boolean {
  // Read character by character: `source.ip` of every event is checked.
  const length = value.length
  let octets = 0
  for (let i = 0; ; i++) {
    const start = i
    let octet = 0
    for (; i < length; i++) {
      const digit = value.charCodeAt(i) - 0x30
      if (digit < 0 || digit > 9) break
      octet = octet * 10 + digit
    }
    const digits = i - start
    if (digits === 0 || digits > 3 || octet > 255) return false
    if (digits > 1 && value.charCodeAt(start) === 0x30) return false // a leading zero
    if (++octets === 4) return i === length
    if (i === length || value.charCodeAt(i) !== 0x2e /* . */) return false
  }
}

/**
 * An IPv6 address in RFC 4291 §2.2 text form: eight groups of 1-4 hex digits, at most one `::`
 * standing for one or more zero groups, and optionally an IPv4 address as the last 32 bits
 * (`::ffff:192.0.2.1`). Either letter case is accepted.
 */
export function isIpv6(value: string): boolean {
  // The longest form is ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255, 45 characters.
  if (value.length > 45) return false
  const halves = value.split('::')
  if (halves.length > 2) return false
  const compressed = halves.length === 2
  const groups: string[] = []
  for (const half of halves) if (half !== '') groups.push(...half.split(':'))

  let count = 0
  for (let i = 0; i < groups.length; i++) {
    const group = groups[i] as string
    const isLast = i === groups.length - 1
    // An embedded IPv4 address may only be the very last thing in the text.
    if (isLast && !value.endsWith(':') && group.includes('.')) {
      if (!isIpv4(group)) return false
      count += 2
    } else if (IPV6_GROUP.test(group)) {
      count += 1
    } else {
      return false // includes empty groups from a stray ':' at either end or ':::'
    }
  }
  return compressed ? count <= 7 : count === 8
}

/** An IPv4 or IPv6 address literal. */
export function isIpAddress(value: string): boolean {
  return value.includes(':') ? isIpv6(value) : isIpv4(value)
}
