// Events as CSV (RFC 4180: comma-separated, CRLF line ends, fields quoted when they hold a
// comma, a quote, CR or LF, quotes doubled), for spreadsheets. Cells are attacker-controlled
// text, so a cell that a spreadsheet would run as a formula (beginning with =, +, -, @, tab or
// CR) gets a leading apostrophe (OWASP "CSV injection"). NDJSON, not CSV, is the export a
// verifier checks: defusing changes the text.

import type { StoredEvent } from '../../store/event-rows.js'
import { toBase64 } from '@auditseal/core'

export const CSV_COLUMNS = [
  'seq',
  'id',
  'tenant_id',
  'type',
  'outcome',
  'occurred_at',
  'recorded_at',
  'actor_type',
  'actor_id',
  'actor_name',
  'target_type',
  'target_id',
  'target_name',
  'source_ip',
  'source_user_agent',
  'request_id',
  'error_code',
  'error_message',
  'data',
  'leaf_hash',
] as const

const NEEDS_QUOTES = /[",\r\n]/
const FORMULA_START = /^[=+\-@\t\r]/

export function csvCell(value: string): string {
  const defused = FORMULA_START.test(value) ? `'${value}` : value
  return NEEDS_QUOTES.test(defused) ? `"${defused.replace(/"/g, '""')}"` : defused
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\r\n`
}

interface Parsed {
  v: number
  id: string
  tenant_id: string
  type: string
  outcome: string
  occurred_at: string
  recorded_at: string
  actor: { type: string; id: string; name?: string }
  target?: { type: string; id: string; name?: string }
  source?: { ip?: string; user_agent?: string }
  request_id?: string
  error?: { code?: string; message: string }
  data?: unknown
}

export function csvRow(event: StoredEvent): string {
  const e = JSON.parse(event.canonical) as Parsed
  const cells: Record<(typeof CSV_COLUMNS)[number], string> = {
    seq: String(event.seq),
    id: e.id,
    tenant_id: e.tenant_id,
    type: e.type,
    outcome: e.outcome,
    occurred_at: e.occurred_at,
    recorded_at: e.recorded_at,
    actor_type: e.actor.type,
    actor_id: e.actor.id,
    actor_name: e.actor.name ?? '',
    target_type: e.target?.type ?? '',
    target_id: e.target?.id ?? '',
    target_name: e.target?.name ?? '',
    source_ip: e.source?.ip ?? '',
    source_user_agent: e.source?.user_agent ?? '',
    request_id: e.request_id ?? '',
    error_code: e.error?.code ?? '',
    error_message: e.error?.message ?? '',
    data: e.data === undefined ? '' : JSON.stringify(e.data),
    leaf_hash: toBase64(event.leafHash),
  }
  return `${CSV_COLUMNS.map((column) => csvCell(cells[column])).join(',')}\r\n`
}
