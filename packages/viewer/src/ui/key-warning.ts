import type { KeyResolution } from '../verify/verifier-key.js'
import { h } from './dom.js'

/**
 * The loud warning when the log serves a verifier key other than the pinned one. Checkpoints
 * keep being checked with the pinned key until the person explicitly trusts the new one.
 */
export function keyWarningView(key: KeyResolution, onTrustNew: () => void): HTMLElement {
  return h(
    'div',
    { class: 'key-warning', role: 'alert' },
    h('h2', {}, '⚠ The log’s verifier key has changed'),
    h(
      'p',
      {},
      `This browser pinned a key for tenant ${key.tenant} on ${new Date(key.pinned.pinnedAt).toLocaleString()}, ` +
        `but the server now serves another one${key.verifier.name === key.origin ? '' : `, for another log origin (${key.origin}, pinned: ${key.verifier.name})`}. ` +
        'Events are still checked with the pinned key, so checkpoints signed by the new key ' +
        'show as Not verified. A changed key means the operator rotated it, or someone is ' +
        'presenting a different log.',
    ),
    h('p', {}, 'Pinned: ', h('code', { class: 'vkey' }, key.pinned.vkey)),
    h('p', {}, 'Served: ', h('code', { class: 'vkey' }, key.served)),
    h(
      'p',
      {},
      h(
        'button',
        {
          type: 'button',
          class: 'danger',
          onclick: () => {
            if (
              confirm('Trust the new key? Do this only after confirming it with the log operator.')
            )
              onTrustNew()
          },
        },
        'Trust the new key',
      ),
    ),
  )
}
