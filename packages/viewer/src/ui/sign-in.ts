import { h } from './dom.js'
import { ApiError } from '../api/api-error.js'
import { startupFailureOf } from './startup-failure.js'

export interface SignInOptions {
  /** Why the person is back here (a rejected or expired token), if anything. */
  readonly message?: string
  /** Tries the token; rejects with the reason to show when it does not work. */
  readonly onSignIn: (token: string) => Promise<void>
}

/** The sign-in form: paste an API key or a JWT. */
export function signInView(options: SignInOptions): HTMLElement {
  const error = h('p', { class: 'form-error', role: 'alert', id: 'sign-in-error' }, options.message)
  const input = h('textarea', {
    id: 'token',
    name: 'token',
    rows: 4,
    required: true,
    autocomplete: 'off',
    autocapitalize: 'off',
    spellcheck: 'false',
    'aria-describedby': 'token-help sign-in-error',
    placeholder: 'ask_… or eyJhbGciOi…',
  })
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in')
  const form = h(
    'form',
    {
      class: 'sign-in card',
      'aria-labelledby': 'sign-in-title',
      onsubmit: (event: Event) => {
        event.preventDefault()
        submit.disabled = true
        error.textContent = ''
        options
          .onSignIn(input.value)
          .catch((reason: unknown) => {
            // A refused token says why in its own words; any other failure as a reload tells it.
            error.textContent =
              reason instanceof ApiError
                ? startupFailureOf(reason).summary
                : reason instanceof Error
                  ? reason.message
                  : String(reason)
            input.focus()
          })
          .finally(() => {
            submit.disabled = false
          })
      },
    },
    h('h1', { id: 'sign-in-title' }, 'Sign in to auditseal'),
    h('label', { for: 'token' }, 'API key or JWT'),
    input,
    h(
      'p',
      { id: 'token-help', class: 'hint' },
      'The token stays in this browser tab only (session storage) and is sent to this server ' +
        'alone. Closing the tab or signing out forgets it.',
    ),
    error,
    h('div', { class: 'actions' }, submit),
  )
  queueMicrotask(() => input.focus())
  return h('main', { class: 'sign-in-page', id: 'main' }, form)
}
