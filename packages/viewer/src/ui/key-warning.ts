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

/**
 * The notice of a log seen for the first time in this browser: its key was pinned on first
 * use, so this is the moment to compare it with the one the log's operator gave — the only
 * defence against a server that presents another log (or tenant) from the start.
 */
export function firstSeenView(key: KeyResolution): HTMLElement {
  return h(
    'div',
    { class: 'key-notice', role: 'status' },
    h('h2', {}, `First time this browser sees the log of tenant ${key.tenant}`),
    h(
      'p',
      {},
      'Its verifier key was pinned now, on first use: every checkpoint from now on must be ' +
        'signed by it. Compare it with the key the log’s operator gave you (auditseal serve ' +
        'prints it) before relying on a Verified badge.',
    ),
    h('p', {}, 'Pinned: ', h('code', { class: 'vkey' }, key.pinned.vkey)),
  )
}
