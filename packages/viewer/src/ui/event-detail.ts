import type { ApiEvent } from '../api/types.js'
import { changesDiff } from './changes-diff.js'
import { h } from './dom.js'
import { localTime, party, prettyJson } from './format.js'

/** Every member of an event, `data` pretty-printed and `data.changes` as a diff. */
export function eventDetailView(event: ApiEvent, verification: HTMLElement): HTMLElement {
  const failed = event.outcome === 'failure'
  const rows: Array<[string, Node | string | undefined]> = [
    ['Type', event.type],
    [
      'Outcome',
      h(
        'span',
        { class: `outcome ${failed ? 'outcome-failure' : 'outcome-success'}` },
        event.outcome,
      ),
    ],
    ['Occurred at', timeValue(event.occurred_at)],
    ['Recorded at', event.recorded_at && timeValue(event.recorded_at)],
    ['Actor', party(event.actor)],
    ['Target', event.target && party(event.target)],
    ['Source IP', event.source?.ip],
    ['User agent', event.source?.user_agent],
    ['Request id', event.request_id],
    [
      'Error',
      event.error &&
        (event.error.code ? `${event.error.code}: ${event.error.message}` : event.error.message),
    ],
    ['Event id', h('code', {}, event.id)],
    ['Tenant', h('code', {}, event.tenant_id)],
    ['Envelope', `v${event.v}`],
    ['Seq', String(event.seq)],
    ['Leaf hash', h('code', { class: 'hash' }, event.leaf_hash)],
  ]
  const diff = changesDiff(event.data)
  return h(
    'div',
    { class: 'event-detail' },
    verification,
    h(
      'dl',
      { class: 'members' },
      rows
        .filter(([, value]) => value !== undefined && value !== '')
        .map(([term, value]) => h('div', {}, h('dt', {}, term), h('dd', {}, value))),
    ),
    diff &&
      h(
        'section',
        { 'aria-labelledby': 'changes-title' },
        h('h3', { id: 'changes-title' }, 'Changes'),
        diff,
      ),
    event.data !== undefined &&
      h(
        'section',
        { 'aria-labelledby': 'data-title' },
        h('h3', { id: 'data-title' }, 'Data'),
        h('pre', { class: 'json', tabindex: 0 }, prettyJson(event.data)),
      ),
  )
}

function timeValue(iso: string): HTMLElement {
  return h('time', { datetime: iso, title: `${iso} (UTC)` }, `${localTime(iso)} · ${iso}`)
}
