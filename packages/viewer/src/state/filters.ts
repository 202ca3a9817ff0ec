// The view's state in the URL query string: the API's filters under their API names, and the
// open event, so a link reproduces what the person was looking at.

/** Every filter of `GET /v1/events` (architecture.md §5), in the order the form shows them. */
export const FILTER_NAMES = [
  'q',
  'type',
  'outcome',
  'actor_type',
  'actor_id',
  'target_type',
  'target_id',
  'from',
  'to',
] as const
export type FilterName = (typeof FILTER_NAMES)[number]
export type Filter = Partial<Record<FilterName, string>>

export interface ViewState {
  filter: Filter
  /** The id of the event whose detail is open. */
  eventId?: string
}

const EVENT_PARAM = 'event'

export function viewStateFromSearch(search: string): ViewState {
  const params = new URLSearchParams(search)
  const filter: Filter = {}
  for (const name of FILTER_NAMES) {
    const value = params.get(name)?.trim()
    if (value) filter[name] = value
  }
  const eventId = params.get(EVENT_PARAM)?.trim()
  return eventId ? { filter, eventId } : { filter }
}

export function searchOfViewState(state: ViewState): string {
  const params = new URLSearchParams()
  for (const name of FILTER_NAMES) {
    const value = state.filter[name]
    if (value) params.set(name, value)
  }
  if (state.eventId) params.set(EVENT_PARAM, state.eventId)
  const text = params.toString()
  return text === '' ? '' : `?${text}`
}

export function sameFilter(a: Filter, b: Filter): boolean {
  return FILTER_NAMES.every((name) => (a[name] ?? '') === (b[name] ?? ''))
}

export function isEmptyFilter(filter: Filter): boolean {
  return FILTER_NAMES.every((name) => !filter[name])
}
