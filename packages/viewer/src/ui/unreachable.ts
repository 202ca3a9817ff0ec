import { h } from './dom.js'

export interface UnreachableOptions {
  /** What went wrong, for a person: "the server could not be reached", a 503's message. */
  readonly reason: string
  /** Tries the saved token again. */
  readonly onRetry: () => void
  readonly onSignOut: () => void
}

/**
 * Shown when a saved token could not be checked because the server did not answer (or
 * answered 5xx): the person is still signed in, and the token is kept for Retry.
 */
export function unreachableView(options: UnreachableOptions): HTMLElement {
  const retry = h(
    'button',
    {
      type: 'button',
      class: 'primary',
      onclick: () => {
        retry.disabled = true
        retry.textContent = 'Retrying…'
        options.onRetry()
      },
    },
    'Retry',
  )
  queueMicrotask(() => retry.focus())
  return h(
    'main',
    { class: 'sign-in-page', id: 'main' },
    h(
      'section',
      { class: 'sign-in card unreachable', 'aria-labelledby': 'unreachable-title' },
      h('h1', { id: 'unreachable-title' }, 'Cannot reach the server'),
      h('p', { role: 'alert' }, `The viewer could not load the log: ${options.reason}.`),
      h(
        'p',
        { class: 'hint' },
        'You are still signed in: the token is kept in this tab. Retry once the server or ' +
          'the network is back.',
      ),
      h(
        'div',
        { class: 'actions' },
        retry,
        h('button', { type: 'button', onclick: options.onSignOut }, 'Sign out'),
      ),
    ),
  )
}
