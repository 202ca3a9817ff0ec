import { ACTOR_TYPES, OUTCOMES } from '@auditseal/core'
import type { Filter, FilterName } from '../state/filters.js'
import { FILTER_NAMES } from '../state/filters.js'
import { h } from './dom.js'
import { fromLocalInput, toLocalInput } from './format.js'

export interface FilterForm {
  readonly element: HTMLElement
  /** Shows `filter` in the fields (after navigation or on load). */
  show(filter: Filter): void
}

type Field = HTMLInputElement | HTMLSelectElement

/** Behind "More filters": all but the two always shown. */
const ADVANCED: readonly FilterName[] = FILTER_NAMES.filter(
  (name) => name !== 'q' && name !== 'type',
)

/** The search box and every API filter; `onApply` gets the filter the fields describe. */
export function filterForm(onApply: (filter: Filter) => void): FilterForm {
  const fields = {
    q: input('q', 'search', { placeholder: 'Words in any field, e.g. a serial number' }),
    type: input('type', 'text', {
      placeholder: 'device.created or device.*',
      pattern: '[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*(\\.\\*)?',
    }),
    outcome: select('outcome', OUTCOMES),
    actor_type: select('actor_type', ACTOR_TYPES),
    actor_id: input('actor_id', 'text'),
    target_type: input('target_type', 'text', { placeholder: 'e.g. device' }),
    target_id: input('target_id', 'text'),
    from: input('from', 'datetime-local', { step: 1 }),
    to: input('to', 'datetime-local', { step: 1 }),
  } satisfies Record<FilterName, Field>

  /** The filter last shown; a time field left as shown keeps its exact value. */
  let shown: Filter = {}
  /**
   * A datetime-local field holds whole seconds, so a `from`/`to` with milliseconds (from a
   * link) is shown rounded down: re-reading the field would silently move it on Apply. The
   * field's value is compared as an instant, since the browser may rewrite `…:00` as `…`.
   */
  const readTime = (name: 'from' | 'to', value: string): string | undefined => {
    const instant = fromLocalInput(value)
    const unchanged = instant !== undefined && instant === fromLocalInput(toLocalInput(shown[name]))
    return unchanged ? shown[name] : instant
  }

  const read = (): Filter => {
    const filter: Filter = {}
    for (const [name, field] of Object.entries(fields) as [FilterName, Field][]) {
      const value =
        name === 'from' || name === 'to' ? readTime(name, field.value) : field.value.trim()
      if (value) filter[name] = value
    }
    return filter
  }

  const advanced = h(
    'details',
    { class: 'advanced' },
    h('summary', {}, 'More filters'),
    h(
      'div',
      { class: 'filter-grid' },
      labelled('Outcome', fields.outcome),
      labelled('Actor type', fields.actor_type),
      labelled('Actor id', fields.actor_id),
      labelled('Target type', fields.target_type),
      labelled('Target id', fields.target_id),
      labelled('From (occurred at, local time)', fields.from),
      labelled('To (before, local time)', fields.to),
    ),
  )

  const element = h(
    'form',
    {
      class: 'filters',
      role: 'search',
      'aria-label': 'Filter events',
      onsubmit: (event: Event) => {
        event.preventDefault()
        onApply(read())
      },
    },
    h(
      'div',
      { class: 'filter-main' },
      labelled('Search', fields.q, 'search'),
      labelled('Type', fields.type),
      h(
        'div',
        { class: 'filter-buttons' },
        h('button', { type: 'submit', class: 'primary' }, 'Apply'),
        h(
          'button',
          {
            type: 'button',
            onclick: () => {
              for (const field of Object.values(fields)) field.value = ''
              onApply({})
            },
          },
          'Clear',
        ),
      ),
    ),
    advanced,
  )

  return {
    element,
    show(filter) {
      shown = filter
      for (const [name, field] of Object.entries(fields) as [FilterName, Field][]) {
        const value = filter[name] ?? ''
        field.value = name === 'from' || name === 'to' ? toLocalInput(value) : value
      }
      if (ADVANCED.some((name) => filter[name])) advanced.open = true
    },
  }
}

function input(
  name: FilterName,
  type: string,
  attrs: Record<string, string | number> = {},
): HTMLInputElement {
  return h('input', {
    id: `filter-${name}`,
    name,
    type,
    autocomplete: 'off',
    spellcheck: 'false',
    ...attrs,
  })
}

function select(name: FilterName, options: readonly string[]): HTMLSelectElement {
  return h(
    'select',
    { id: `filter-${name}`, name },
    h('option', { value: '' }, 'Any'),
    options.map((option) => h('option', { value: option }, option)),
  )
}

function labelled(label: string, field: Field, extraClass = ''): HTMLElement {
  return h(
    'div',
    { class: `field ${extraClass}`.trim() },
    h('label', { for: field.id }, label),
    field,
  )
}
