import { h } from './dom.js'
import { prettyJson } from './format.js'

/**
 * `data.changes` (`{field: {from, to}}`, as the gateway's device.updated writes it) as a
 * before/after table; undefined when there is no such member of that shape.
 */
export function changesDiff(data: unknown): HTMLElement | undefined {
  const changes = (data as { changes?: unknown } | undefined)?.changes
  if (typeof changes !== 'object' || changes === null || Array.isArray(changes)) return undefined
  const entries = Object.entries(changes as Record<string, unknown>)
  if (entries.length === 0) return undefined
  return h(
    'table',
    { class: 'diff', 'aria-label': 'Changes, before and after' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Field'),
        h('th', { scope: 'col' }, 'Before'),
        h('th', { scope: 'col' }, 'After'),
      ),
    ),
    h(
      'tbody',
      {},
      entries.map(([field, change]) => {
        const { from, to } = (change ?? {}) as { from?: unknown; to?: unknown }
        return h(
          'tr',
          {},
          h('th', { scope: 'row' }, field),
          h('td', { class: 'before' }, h('del', {}, show(from))),
          h('td', { class: 'after' }, h('ins', {}, show(to))),
        )
      }),
    ),
  )
}

function show(value: unknown): string {
  if (value === undefined) return '(absent)'
  return typeof value === 'string' ? value : prettyJson(value)
}
