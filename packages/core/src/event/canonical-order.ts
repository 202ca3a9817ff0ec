// The sealing path's shortcut to RFC 8785: JSON.stringify writes strings and numbers exactly
// as JCS does, so once every object's members are in JCS order, JSON.stringify's output *is*
// the canonical text. inCanonicalOrder rebuilds an event with its members in that order (the
// envelope's names are known, so their order is a constant) and hands back `undefined`
// whenever the shortcut might differ from the full serializer, which then takes over:
// unknown members, member names JavaScript would enumerate first (integer-like), toJSON
// methods, non-finite numbers. Lone surrogates are caught on the output (see canonical.ts).

type Json = null | boolean | number | string | Json[] | { [name: string]: Json }

/** Marks "use the full serializer"; a unique value so data can never be mistaken for it. */
const FALLBACK = Symbol('fallback')

// Each envelope object's members, in UTF-16 order (RFC 8785 §3.2.3).
const PARTY_MEMBERS = ['id', 'name', 'type'] as const
const SOURCE_MEMBERS = ['ip', 'user_agent'] as const
const ERROR_MEMBERS = ['code', 'message'] as const
const EVENT_MEMBERS = [
  'actor',
  'data',
  'error',
  'id',
  'occurred_at',
  'outcome',
  'recorded_at',
  'request_id',
  'source',
  'target',
  'tenant_id',
  'type',
  'v',
] as const

/** JavaScript enumerates array-index-like names before all others, whatever the insertion order. */
function mayBeIndexName(name: string): boolean {
  const first = name.charCodeAt(0)
  return first >= 0x30 && first <= 0x39
}

/** A copy of `object` with exactly `members` (those present), in that order; FALLBACK if it has others or non-strings. */
function orderedFlat(object: unknown, members: readonly string[]): object | typeof FALLBACK {
  if (typeof object !== 'object' || object === null || Array.isArray(object)) return FALLBACK
  const source = object as Record<string, unknown>
  const copy: Record<string, unknown> = {}
  let count = 0
  for (const name of members) {
    const value = source[name]
    if (value === undefined) continue
    if (typeof value !== 'string') return FALLBACK
    copy[name] = value
    count++
  }
  return count === Object.keys(source).length ? copy : FALLBACK
}

/** `value` itself when it is already in JCS order, a reordered copy, or FALLBACK. */
function orderedJson(value: unknown, depth: number): Json | typeof FALLBACK {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value
    case 'number':
      return Number.isFinite(value) ? value : FALLBACK
    case 'object': {
      if (value === null) return null
      if (depth > 64) return FALLBACK // the full serializer has its own, larger limit
      if (Array.isArray(value)) {
        let copy: Json[] | undefined
        for (let i = 0; i < value.length; i++) {
          const item = orderedJson(value[i] as unknown, depth + 1)
          if (item === FALLBACK) return FALLBACK
          if (item !== value[i]) (copy ??= value.slice() as Json[])[i] = item
        }
        return copy ?? (value as Json[])
      }
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return FALLBACK
      const object = value as Record<string, unknown>
      const names = Object.keys(object)
      let sorted = true
      let changed = false
      const members: Json[] = []
      for (let i = 0; i < names.length; i++) {
        const name = names[i] as string
        if (mayBeIndexName(name)) return FALLBACK
        if (i > 0 && (names[i - 1] as string) >= name) sorted = false
        const member = orderedJson(object[name], depth + 1)
        if (member === FALLBACK) return FALLBACK
        if (member !== object[name]) changed = true
        members.push(member)
      }
      if (sorted && !changed) return object as Json
      const order = names.map((name, i) => [name, members[i] as Json] as const)
      if (!sorted) order.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      const copy: Record<string, Json> = {}
      for (const [name, member] of order) if (member !== undefined) copy[name] = member
      return copy
    }
    default:
      // undefined, functions, symbols, BigInt: the full serializer decides.
      return FALLBACK
  }
}

/**
 * The event with every member in RFC 8785 order, ready for JSON.stringify, or undefined when
 * only the full serializer can be trusted with it.
 */
export function inCanonicalOrder(event: object): object | undefined {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return undefined
  if (typeof (event as { toJSON?: unknown }).toJSON === 'function') return undefined
  const source = event as Record<string, unknown>
  const copy: Record<string, unknown> = {}
  let count = 0
  for (const name of EVENT_MEMBERS) {
    const value = source[name]
    if (value === undefined) continue
    let ordered: unknown
    switch (name) {
      case 'actor':
      case 'target':
        ordered = orderedFlat(value, PARTY_MEMBERS)
        break
      case 'source':
        ordered = orderedFlat(value, SOURCE_MEMBERS)
        break
      case 'error':
        ordered = orderedFlat(value, ERROR_MEMBERS)
        break
      case 'data':
        ordered = orderedJson(value, 0)
        break
      default:
        ordered =
          typeof value === 'string' || (typeof value === 'number' && value === 1) ? value : FALLBACK
    }
    if (ordered === FALLBACK) return undefined
    copy[name] = ordered
    count++
  }
  return count === Object.keys(source).length ? copy : undefined
}
