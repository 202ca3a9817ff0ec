// The sealing path's shortcut to RFC 8785. JSON.stringify writes strings and numbers exactly as
// JCS does, and writes an object's members in the order they were created, leaving out those
// that are undefined. So an object literal that names every envelope member in JCS order,
// each set to the event's value or undefined, stringifies to the canonical text: one native
// pass, and a literal is the cheapest object V8 can build. envelopeJson hands back `undefined`
// whenever the shortcut might differ from the full serializer (jcs.ts), which then takes over:
// unknown members, values of the wrong kind, toJSON methods, non-finite numbers, member names
// JavaScript would enumerate first (integer-like), lone surrogates. test/event/jcs.test.ts
// holds the two to the same text on random event shapes.

type Json = null | boolean | number | string | Json[] | { [name: string]: Json }

/** Marks "use the full serializer"; a unique value so data can never be mistaken for it. */
const FALLBACK = Symbol('fallback')
type Fallback = typeof FALLBACK

// JSON.stringify writes a lone surrogate as an escape (\ud800…); well-formed pairs stay raw.
// Such text goes to the full serializer, which refuses it. A string holding a backslash
// before "ud8" matches too: the full serializer then just does the work.
const ESCAPED_SURROGATE = /\\ud[89a-f]/

/** Nesting deeper than validation allows (32) goes to the full serializer, cycles included. */
const MAX_DEPTH = 64

/**
 * Counts own enumerable string-keyed members. (Object.keys builds an array, yet measured
 * faster than counting in a for-in loop.)
 */
function memberCount(object: object): number {
  return Object.keys(object).length
}

/** An optional string member as it is, or FALLBACK for anything else. */
function text(value: unknown): string | undefined | Fallback {
  return value === undefined || typeof value === 'string' ? value : FALLBACK
}

/** 1 for a present member, 0 for an absent one. */
const present = (value: unknown): number => (value === undefined ? 0 : 1)

/**
 * An object whose members JSON.stringify writes as they are read here: no array, no boxed
 * primitive (written as its value), no class instance, nothing inherited to read by mistake.
 */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** actor or target: `{ id, name, type }` in JCS order. */
function party(value: unknown): object | undefined | Fallback {
  if (value === undefined) return undefined
  if (!isPlainObject(value)) return FALLBACK
  const id = text(value.id)
  const name = text(value.name)
  const type = text(value.type)
  if (id === FALLBACK || name === FALLBACK || type === FALLBACK) return FALLBACK
  const count = present(id) + present(name) + present(type)
  return count === memberCount(value) ? { id, name, type } : FALLBACK
}

/** source `{ ip, user_agent }` or error `{ code, message }`: two optional strings, in JCS order. */
function stringPair(value: unknown, first: string, second: string): object | undefined | Fallback {
  if (value === undefined) return undefined
  if (!isPlainObject(value)) return FALLBACK
  const a = text(value[first])
  const b = text(value[second])
  if (a === FALLBACK || b === FALLBACK) return FALLBACK
  const count = present(a) + present(b)
  return count === memberCount(value) ? { [first]: a, [second]: b } : FALLBACK
}

/**
 * Names a rebuilt copy would not keep as written: JavaScript enumerates array-index-like names
 * before all others, whatever the insertion order, and assigning `__proto__` (an own member
 * of JSON.parse's output) sets the copy's prototype instead of adding a member.
 */
function unsafeName(name: string): boolean {
  const first = name.charCodeAt(0)
  return (first >= 0x30 && first <= 0x39) || name === '__proto__'
}

/**
 * The names and members the object walks in progress have read, in pairs, nested walks above
 * the outer ones: what a walk needs once it finds that it must build a copy after all, without
 * reading a member a second time (a getter or Proxy may answer differently) and without
 * allocating in the common case. Each walk of `data` leaves it as it found it, also when a
 * getter throws or canonicalizes another event meanwhile (orderedData).
 */
const walked: unknown[] = []

/** `data`'s canonical value (orderedJson), the stack of walks restored whatever happens. */
function orderedData(data: unknown): Json | Fallback {
  const base = walked.length
  try {
    return orderedJson(data, 1)
  } finally {
    walked.length = base
  }
}

/**
 * A plain object's canonical value: the object itself when its members are in JCS order and
 * each is its own canonical value (the common case, walked without allocating: the name and
 * member arrays of a general walk were a tenth of the sealer's garbage), else a reordered
 * copy, or FALLBACK. Each member is read and walked once, so nesting cannot multiply the work.
 */
function orderedObject(object: Record<string, unknown>, depth: number): Json | Fallback {
  const base = walked.length
  let previous: string | undefined
  let members: [string, Json][] | undefined
  for (const name in object) {
    if (!Object.hasOwn(object, name)) continue
    if (unsafeName(name)) return abandon(base)
    const member = object[name]
    const canonical = orderedJson(member, depth + 1)
    if (canonical === FALLBACK) return abandon(base)
    if (members === undefined) {
      if (canonical === member && (previous === undefined || previous < name)) {
        walked.push(name, member)
        previous = name
        continue
      }
      members = takeWalked(base)
    }
    members.push([name, canonical])
  }
  if (members === undefined) {
    walked.length = base
    return object as Json
  }
  members.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  const copy: Record<string, Json> = {}
  for (const [name, member] of members) copy[name] = member
  return copy
}

/** Drops what a walk pushed, and gives up on the shortcut. */
function abandon(base: number): Fallback {
  walked.length = base
  return FALLBACK
}

/** The pairs a walk pushed since `base`, taken off the stack. */
function takeWalked(base: number): [string, Json][] {
  const members: [string, Json][] = []
  for (let i = base; i < walked.length; i += 2) {
    members.push([walked[i] as string, walked[i + 1] as Json])
  }
  walked.length = base
  return members
}

/** `value` itself when it is already in JCS order, a reordered copy, or FALLBACK. */
function orderedJson(value: unknown, depth: number): Json | Fallback {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value
    case 'number':
      return Number.isFinite(value) ? value : FALLBACK
    case 'object': {
      if (value === null) return null
      if (depth > MAX_DEPTH) return FALLBACK
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return FALLBACK
      if (Array.isArray(value)) {
        let copy: Json[] | undefined
        for (let i = 0; i < value.length; i++) {
          const item = orderedJson(value[i] as unknown, depth + 1)
          if (item === FALLBACK) return FALLBACK
          if (item !== value[i]) (copy ??= value.slice() as Json[])[i] = item
        }
        return copy ?? (value as Json[])
      }
      return isPlainObject(value) ? orderedObject(value, depth) : FALLBACK
    }
    default:
      // undefined, functions, symbols, BigInt: the full serializer decides.
      return FALLBACK
  }
}

/**
 * The RFC 8785 text of an event, with `recordedAt` (when given) as its recorded_at, or
 * undefined when only the full serializer can be trusted with it.
 */
export function envelopeJson(event: object, recordedAt?: string): string | undefined {
  if (!isPlainObject(event) || typeof event.toJSON === 'function') return undefined
  const e = event
  const actor = party(e.actor)
  const target = party(e.target)
  const src = stringPair(e.source, 'ip', 'user_agent')
  const err = stringPair(e.error, 'code', 'message')
  const data = e.data === undefined ? undefined : orderedData(e.data)
  const id = text(e.id)
  const occurredAt = text(e.occurred_at)
  const outcome = text(e.outcome)
  const recorded = text(recordedAt ?? e.recorded_at)
  const requestId = text(e.request_id)
  const tenantId = text(e.tenant_id)
  const type = text(e.type)
  const v = e.v === undefined || e.v === 1 ? e.v : FALLBACK
  if (
    actor === FALLBACK ||
    target === FALLBACK ||
    src === FALLBACK ||
    err === FALLBACK ||
    data === FALLBACK ||
    id === FALLBACK ||
    occurredAt === FALLBACK ||
    outcome === FALLBACK ||
    recorded === FALLBACK ||
    requestId === FALLBACK ||
    tenantId === FALLBACK ||
    type === FALLBACK ||
    v === FALLBACK
  ) {
    return undefined
  }
  // Every member of the event is one of these, and present in the event itself (recorded_at
  // may come from the argument instead).
  const count =
    present(actor) +
    present(data) +
    present(err) +
    present(id) +
    present(occurredAt) +
    present(outcome) +
    present(e.recorded_at) +
    present(requestId) +
    present(src) +
    present(target) +
    present(tenantId) +
    present(type) +
    present(v)
  if (count !== memberCount(e)) return undefined
  const json = JSON.stringify({
    actor,
    data,
    error: err,
    id,
    occurred_at: occurredAt,
    outcome,
    recorded_at: recorded,
    request_id: requestId,
    source: src,
    target,
    tenant_id: tenantId,
    type,
    v,
  })
  // Most texts hold no escape at all; looking for one is cheaper than running the expression.
  return json.includes('\\u') && ESCAPED_SURROGATE.test(json) ? undefined : json
}
