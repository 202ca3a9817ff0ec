// One line of an NDJSON export, as the export API and `auditseal export` write it (eventJson
// in store/event-rows.ts): E's canonical text with `,"seq":N,"leaf_hash":"…"` spliced in
// before its closing brace. This is the verifier's hot path: the line is decoded once, E's
// text is cut out of it, and its bytes are hashed as read.

import { isUtf8 } from 'node:buffer'
import { canonicalJson, fromBase64 } from '@auditseal/core'
import type { AuditEvent } from '@auditseal/core'
import type { EventRecord } from './types.js'

const SEQ_MEMBER = ',"seq":'
/** What follows E's members on an export line; the base64 of a 32-byte hash is 44 characters. */
const SUFFIX = /^,"seq":(0|[1-9][0-9]*),"leaf_hash":"([A-Za-z0-9+/]{43}=)"\}$/
const CLOSING_BRACE = Buffer.from('}')

export const NOT_EXPORT_FORM =
  'the line is not in the export form (the canonical text of the event with "seq" and "leaf_hash" appended)'

/**
 * parseExportLine reads one export line (without its newline). It never throws: a line it
 * cannot read (say, nested too deep for the stack) is a record with a format problem.
 */
export function parseExportLine(bytes: Buffer): EventRecord {
  try {
    return readExportLine(bytes)
  } catch (error) {
    return {
      seq: undefined,
      seqText: '(unreadable)',
      canonical: '',
      leafHash: undefined,
      formatProblem: `the line cannot be read: ${(error as Error).message}`,
    }
  }
}

function readExportLine(bytes: Buffer): EventRecord {
  if (!isUtf8(bytes)) {
    return {
      seq: undefined,
      seqText: '(unreadable)',
      canonical: '',
      leafHash: undefined,
      formatProblem: 'the line is not valid UTF-8',
    }
  }
  const text = bytes.toString('utf8')
  const tail = text.lastIndexOf(SEQ_MEMBER)
  const match = tail > 0 ? SUFFIX.exec(text.slice(tail)) : null
  if (match === null) return parseLoosely(text)
  const [, seqText, leafBase64] = match as unknown as [string, string, string]
  const seq = Number(seqText)
  // The suffix is ASCII, so E's text ends the same number of bytes before the line's end.
  const eventEnd = bytes.length - (text.length - tail)
  return {
    seq: Number.isSafeInteger(seq) ? seq : undefined,
    seqText,
    canonical: `${text.slice(0, tail)}}`,
    canonicalBytes: Buffer.concat([bytes.subarray(0, eventEnd), CLOSING_BRACE]),
    leafHash: fromBase64(leafBase64),
  }
}

/**
 * A line that is JSON but not in the export form (reformatted, members moved): still read,
 * so the verifier can say which seq it is and whether its content matches the tree, but
 * reported as modified.
 */
function parseLoosely(text: string): EventRecord {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return {
      seq: undefined,
      seqText: '(unreadable)',
      canonical: text,
      leafHash: undefined,
      formatProblem: 'the line is not JSON',
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {
      seq: undefined,
      seqText: '(none)',
      canonical: text,
      leafHash: undefined,
      formatProblem: NOT_EXPORT_FORM,
    }
  }
  const { seq, leaf_hash: leafHash, ...event } = value as Record<string, unknown>
  return {
    seq: typeof seq === 'number' && Number.isSafeInteger(seq) ? seq : undefined,
    seqText: jsonOrNull(seq) ?? '(none)',
    canonical: canonicalOrAsIs(event, text),
    leafHash: typeof leafHash === 'string' ? fromBase64(leafHash) : undefined,
    formatProblem: NOT_EXPORT_FORM,
  }
}

/**
 * The event's canonical text if it has one, else its JSON text, else (nested too deep for
 * either) the line itself: hostile input must not crash the verifier, only fail its checks.
 */
function canonicalOrAsIs(event: Record<string, unknown>, line: string): string {
  try {
    return canonicalJson(event as unknown as AuditEvent)
  } catch {
    return jsonOrNull(event) ?? line
  }
}

/** JSON.stringify, or undefined when the value cannot be written (too deep for the stack). */
function jsonOrNull(value: unknown): string | undefined {
  try {
    return JSON.stringify(value)
  } catch {
    return undefined
  }
}
