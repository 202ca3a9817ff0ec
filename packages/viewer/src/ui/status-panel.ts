import type { ConsistencyResult, LogStatus } from '../app/log-status.js'
import type { KeyResolution } from '../verify/verifier-key.js'
import { h, replaceChildren } from './dom.js'
import { age, localTime } from './format.js'

export interface StatusPanel {
  readonly element: HTMLElement
  show(status: LogStatus, key: KeyResolution): void
  showError(message: string): void
}

export interface StatusPanelActions {
  readonly refresh: () => void
  readonly checkConsistency: () => Promise<ConsistencyResult>
}

/** Tree size, latest checkpoint and its age, the verifier key, and the consistency check. */
export function statusPanel(actions: StatusPanelActions): StatusPanel {
  const list = h(
    'dl',
    { class: 'status-list' },
    h('div', {}, h('dt', {}, 'Log'), h('dd', {}, 'Loading…')),
  )
  const result = h('p', { class: 'consistency-result', role: 'status', 'aria-live': 'polite' })
  const checkButton = h('button', { type: 'button', class: 'primary' }, 'Check consistency')
  checkButton.addEventListener('click', () => {
    checkButton.disabled = true
    result.className = 'consistency-result'
    result.textContent = 'Checking…'
    actions
      .checkConsistency()
      .then((outcome) => {
        result.className = `consistency-result ${outcome.ok ? 'ok' : 'failed'}`
        result.textContent = outcome.message
        if (outcome.ok) actions.refresh()
      })
      .catch((error: unknown) => {
        result.className = 'consistency-result failed'
        result.textContent = `Could not check: ${error instanceof Error ? error.message : String(error)}`
      })
      .finally(() => {
        checkButton.disabled = false
      })
  })
  const element = h(
    'section',
    { class: 'status card', 'aria-labelledby': 'status-title' },
    h('h2', { id: 'status-title', tabindex: -1 }, 'Log status'),
    list,
    h(
      'div',
      { class: 'actions' },
      checkButton,
      h('button', { type: 'button', onclick: actions.refresh }, 'Refresh'),
    ),
    result,
  )
  return {
    element,
    show(status, key) {
      const item = (term: string, ...value: Array<Node | string>) =>
        h('div', {}, h('dt', {}, term), h('dd', {}, ...value))
      const { latest, trusted } = status
      replaceChildren(
        list,
        item('Origin', h('code', {}, status.log.origin)),
        item('Tree size', `${status.log.tree_size.toLocaleString()} events (as the server says)`),
        item('Latest checkpoint', latestView(latest)),
        item('Verifier key', h('code', { class: 'vkey' }, key.served), keyState(key)),
        item(
          'Last verified checkpoint',
          trusted
            ? h(
                'span',
                {},
                `${trusted.size.toLocaleString()} leaves, verified `,
                h(
                  'time',
                  { datetime: trusted.verifiedAt, title: trusted.verifiedAt },
                  localTime(trusted.verifiedAt),
                ),
              )
            : 'none yet: check consistency to start',
        ),
      )
    },
    showError(message) {
      replaceChildren(list, h('div', {}, h('dt', {}, 'Log'), h('dd', { class: 'error' }, message)))
    },
  }
}

/** The latest checkpoint as the pinned key verified it; its date is the server's word only. */
function latestView(latest: LogStatus['latest']): Node | string {
  if (latest === undefined) return 'none yet'
  if ('problem' in latest) {
    return h('span', { class: 'error' }, `not signed by the pinned key: ${latest.problem}`)
  }
  const size = `${latest.checkpoint.size.toLocaleString()} leaves, signed by the pinned key`
  if (latest.createdAt === undefined) return size
  return h(
    'span',
    {},
    `${size}; made `,
    h(
      'time',
      { datetime: latest.createdAt, title: `${latest.createdAt} (UTC, the server's date)` },
      age(latest.createdAt),
    ),
    ' (the server’s date)',
  )
}

function keyState(key: KeyResolution): HTMLElement {
  switch (key.state) {
    case 'pinned':
      return h(
        'span',
        { class: 'key-state pinned' },
        `pinned in this browser ${localTime(key.pinned.pinnedAt)}`,
      )
    case 'pinned_now':
      return h('span', { class: 'key-state pinned' }, 'first seen now: pinned in this browser')
    case 'changed':
      return h(
        'span',
        { class: 'key-state changed' },
        'CHANGED: not the pinned key (see the warning)',
      )
  }
}
