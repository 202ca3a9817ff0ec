import { STEP_LABELS } from '../verify/steps.js'
import type { EventVerification } from '../verify/verify-event.js'
import { h } from './dom.js'

/** Shown while the proof is fetched and checked. */
export function verifyingView(): HTMLElement {
  return h(
    'section',
    { class: 'verification pending', 'aria-live': 'polite', 'aria-busy': 'true' },
    h('p', { class: 'badge badge-pending' }, 'Verifying in this browser…'),
  )
}

/** The Verified / Not verified badge and every step, the failed one with its reason. */
export function verificationView(result: EventVerification): HTMLElement {
  const badge = result.verified
    ? h('p', { class: 'badge badge-verified', 'data-verdict': 'verified' }, '✓ Verified')
    : h('p', { class: 'badge badge-failed', 'data-verdict': 'not-verified' }, '✕ Not verified')
  const summary = result.verified
    ? h(
        'p',
        { class: 'verdict-detail' },
        `Its content hashes to a leaf of the log, and the checkpoint of ` +
          `${result.checkpoint?.size ?? '?'} leaves that includes it is signed by the pinned ` +
          'key. Checked in this browser with @auditseal/core.',
      )
    : h(
        'p',
        { class: 'verdict-detail', role: 'alert' },
        h('strong', {}, `${STEP_LABELS[result.failure?.id ?? 'canonical']} failed: `),
        result.failure?.detail ?? '',
      )
  return h(
    'section',
    {
      class: `verification ${result.verified ? 'verified' : 'failed'}`,
      'aria-label': 'Verification',
      'aria-live': 'polite',
    },
    badge,
    summary,
    h(
      'ol',
      { class: 'steps' },
      result.steps.map((step) =>
        h(
          'li',
          { class: `step step-${step.status}`, 'data-step': step.id },
          h('span', { class: 'step-mark', 'aria-hidden': 'true' }, MARKS[step.status]),
          h('span', { class: 'step-name' }, STEP_LABELS[step.id]),
          h('span', { class: 'visually-hidden' }, `: ${step.status.replace('_', ' ')}. `),
          h('span', { class: 'step-detail' }, step.detail),
        ),
      ),
    ),
    result.canonical !== undefined &&
      h(
        'details',
        { class: 'canonical' },
        h('summary', {}, 'Canonical form that was hashed (RFC 8785)'),
        h('pre', { class: 'json', tabindex: 0 }, result.canonical),
      ),
  )
}

/** A verification that cannot be done: there is no usable verifier key to check against. */
export function verificationErrorView(reason: string): HTMLElement {
  return h(
    'section',
    { class: 'verification failed', 'aria-live': 'polite' },
    h('p', { class: 'badge badge-failed', 'data-verdict': 'not-verified' }, '✕ Not verified'),
    h('p', { class: 'verdict-detail', role: 'alert' }, h('strong', {}, 'No usable key: '), reason),
  )
}

/**
 * A verification that did not run because the proof could not be fetched (network, 5xx): no
 * verdict either way, so neutral rather than red, with `onRetry` to fetch it again.
 */
export function verificationUnavailableView(reason: string, onRetry: () => void): HTMLElement {
  return h(
    'section',
    { class: 'verification unavailable', 'aria-label': 'Verification', 'aria-live': 'polite' },
    h('p', { class: 'badge badge-pending', 'data-verdict': 'unavailable' }, '? Could not verify'),
    h(
      'p',
      { class: 'verdict-detail', role: 'alert' },
      `Not checked yet: ${reason}. This is not a failed check; try again.`,
    ),
    h('button', { type: 'button', class: 'retry', onclick: onRetry }, 'Retry'),
  )
}

const MARKS = { passed: '✓', failed: '✕', not_reached: '–' } as const
