import type { ApiEvent } from '../api/types.js'
import { h } from './dom.js'
import { localTime, party } from './format.js'

export interface EventsTable {
  readonly element: HTMLElement
  /** Replaces the rows (a new filter) or adds them (the next page). */
  show(events: readonly ApiEvent[], mode: 'replace' | 'append'): void
  /** The row of an event, to give focus back when its detail closes. */
  rowOf(id: string): HTMLElement | undefined
  /** How many events are shown. */
  readonly size: number
}

const COLUMNS = ['Time', 'Type', 'Outcome', 'Actor', 'Target', 'Source'] as const

/**
 * Events newest first. A row opens with a click, Enter or Space; its type is also a real link
 * (`?…&event=<id>`), so it can be opened in a new tab or copied.
 */
export function eventsTable(
  linkOf: (id: string) => string,
  onOpen: (id: string) => void,
): EventsTable {
  const body = h('tbody')
  const element = h(
    'table',
    { class: 'events', 'aria-label': 'Events, newest first' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        COLUMNS.map((c) => h('th', { scope: 'col' }, c)),
      ),
    ),
    body,
  )
  const rows = new Map<string, HTMLElement>()

  const rowFor = (event: ApiEvent): HTMLElement => {
    const failed = event.outcome === 'failure'
    const open = (e: Event) => {
      e.preventDefault()
      onOpen(event.id)
    }
    const row = h(
      'tr',
      {
        class: failed ? 'event-row failure' : 'event-row',
        tabindex: 0,
        'data-event-id': event.id,
        'aria-label': `${event.type}, ${event.outcome}, ${localTime(event.occurred_at)}. Press Enter for details.`,
        onclick: (e: Event) => {
          // Let modified clicks on the link open a new tab as links do.
          const mouse = e as MouseEvent
          if (
            (e.target as Element).closest('a') &&
            (mouse.ctrlKey || mouse.metaKey || mouse.shiftKey)
          )
            return
          open(e)
        },
        onkeydown: (e: Event) => {
          const key = (e as KeyboardEvent).key
          if ((key === 'Enter' || key === ' ') && e.target === row) open(e)
        },
      },
      cell(
        'Time',
        h(
          'time',
          { datetime: event.occurred_at, title: `${event.occurred_at} (UTC)` },
          localTime(event.occurred_at),
        ),
      ),
      cell('Type', h('a', { href: linkOf(event.id), tabindex: -1, class: 'type' }, event.type)),
      cell(
        'Outcome',
        h(
          'span',
          { class: `outcome ${failed ? 'outcome-failure' : 'outcome-success'}` },
          failed ? '✕ failure' : event.outcome,
        ),
      ),
      cell('Actor', party(event.actor)),
      cell('Target', party(event.target)),
      cell('Source', event.source?.ip ?? '', event.source?.user_agent),
    )
    rows.set(event.id, row)
    return row
  }

  return {
    element,
    show(events, mode) {
      if (mode === 'replace') {
        body.replaceChildren()
        rows.clear()
      }
      for (const event of events) if (!rows.has(event.id)) body.append(rowFor(event))
    },
    rowOf: (id) => rows.get(id),
    get size() {
      return rows.size
    },
  }
}

function cell(label: string, content: Node | string, title?: string): HTMLElement {
  return h('td', { 'data-label': label, title }, content)
}
