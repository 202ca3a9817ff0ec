// How values read on screen. Times: local in the cell, the exact UTC value in the title.

const dateTime = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
})

export function localTime(iso: string): string {
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date)
}

/** "12 s ago", "5 min ago", "3 h ago", "2 days ago". */
export function age(iso: string, now = Date.now()): string {
  const seconds = Math.round((now - new Date(iso).getTime()) / 1000)
  if (!Number.isFinite(seconds)) return 'unknown'
  if (seconds < 0) return 'in the future'
  if (seconds < 60) return `${seconds} s ago`
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`
  const days = Math.floor(seconds / 86400)
  return `${days} day${days === 1 ? '' : 's'} ago`
}

/** `type:id (name)` of an actor or target. */
export function party(value: { type: string; id: string; name?: string } | undefined): string {
  if (value === undefined) return ''
  return value.name ? `${value.name} (${value.type}:${value.id})` : `${value.type}:${value.id}`
}

/** A JSON value as the detail view shows it: pretty, two-space indented. */
export function prettyJson(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? String(value)
}

/** An ISO instant as the value of an `<input type="datetime-local">`, in local time. */
export function toLocalInput(iso: string | undefined): string {
  if (!iso) return ''
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return ''
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000)
  return local.toISOString().slice(0, 19)
}

/** The value of an `<input type="datetime-local">` (local time) as an ISO UTC instant. */
export function fromLocalInput(value: string): string | undefined {
  if (!value) return undefined
  const date = new Date(value)
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString()
}
