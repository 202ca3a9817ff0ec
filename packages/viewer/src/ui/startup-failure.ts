// What the viewer says when the saved token could not be checked at start-up for a reason
// other than the token: no answer at all, a server that is up but not ready, an error
// response, or an answer that is not the API's. Each says what happened and keeps the token.

import { ApiError } from '../api/api-error.js'
import { h } from './dom.js'

export type StartupFailureKind =
  /** No response: the network is down or the server is not listening. */
  | 'unreachable'
  /** A 503: the server answered, but cannot serve the log yet (its database is down, say). */
  | 'unavailable'
  /** Any other error status, with the API's code and message when it sent them. */
  | 'error-response'
  /** A response that is not the API's: not JSON, or not the log's description. */
  | 'malformed'
  /** Anything else: the viewer itself failed to open the log. */
  | 'failed'

export interface StartupFailure {
  readonly kind: StartupFailureKind
  /** The heading, and the start of the page's title. */
  readonly title: string
  /** What happened, as one sentence with the status, code and message the server sent. */
  readonly summary: string
  /** What the person can check or do next. */
  readonly advice: string
}

/** How `error`, thrown while the saved token was checked, is told to a person. */
export function startupFailureOf(error: unknown): StartupFailure {
  if (!(error instanceof ApiError)) {
    const message = error instanceof Error ? error.message : String(error)
    return {
      kind: 'failed',
      title: 'Could not open the log',
      summary: `The viewer could not open the log: ${message}.`,
      advice: 'Retry; if it fails again, report this message.',
    }
  }
  if (error.isUnreachable) {
    return {
      kind: 'unreachable',
      title: 'Cannot reach the server',
      summary: `The viewer could not load the log: ${error.message}.`,
      advice: 'Retry once the server or the network is back.',
    }
  }
  if (error.isMalformed) {
    return {
      kind: 'malformed',
      title: 'The server’s answer could not be read',
      summary: `The viewer could not load the log: ${error.message} (HTTP ${error.status}).`,
      advice:
        'Something other than the auditseal API answered, such as a proxy’s page. Check that ' +
        'the viewer is opened where auditseal serve serves it, then Retry.',
    }
  }
  if (error.status === 503) {
    return {
      kind: 'unavailable',
      title: 'The server is temporarily unavailable',
      summary: `The server is up but cannot serve the log right now: ${answerOf(error)}.`,
      advice: 'It may be starting or waiting for its database. Retry in a moment.',
    }
  }
  return {
    kind: 'error-response',
    title: 'The server answered with an error',
    summary: `The server could not load the log: ${answerOf(error)}.`,
    advice:
      error.status === 404
        ? 'The viewer asks for /v1/log on the origin it was loaded from. A 404 there means ' +
          'the page is not served by auditseal serve, or a proxy in front of it does not ' +
          'forward /v1 to it.'
        : 'Retry; if it fails again, give the server’s operator this message.',
  }
}

/** "message (HTTP 500, internal)": the error response as the server sent it. */
function answerOf(error: ApiError): string {
  const code = error.apiCode === undefined ? '' : `, ${error.apiCode}`
  return `${error.message} (HTTP ${error.status}${code})`
}

export interface StartupFailureOptions {
  readonly failure: StartupFailure
  /** Tries the saved token again. */
  readonly onRetry: () => void
  readonly onSignOut: () => void
}

/** The start-up failure page: the person is still signed in, and the token is kept for Retry. */
export function startupFailureView(options: StartupFailureOptions): HTMLElement {
  const { failure } = options
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
      {
        class: 'sign-in card startup-failure',
        'data-failure': failure.kind,
        'aria-labelledby': 'startup-failure-title',
      },
      h('h1', { id: 'startup-failure-title' }, failure.title),
      h('p', { role: 'alert' }, failure.summary),
      h('p', { class: 'hint' }, failure.advice),
      h('p', { class: 'hint' }, 'You are still signed in: the token is kept in this tab.'),
      h(
        'div',
        { class: 'actions' },
        retry,
        h('button', { type: 'button', onclick: options.onSignOut }, 'Sign out'),
      ),
    ),
  )
}
