// Opens one event: fetch it, show it, then fetch its inclusion proof and verify it here.
//
// Only the checks of verifyEvent can say "Not verified". A fetch that fails (the server is
// restarting, the network is down, a 5xx) says nothing about the event: it is shown as
// "Could not verify" with Retry, and a 401 takes the app's signed-out path.

import { ApiError, describeFailure } from '../api/api-error.js'
import type { ApiClient } from '../api/client.js'
import type { ApiEvent } from '../api/types.js'
import { h } from '../ui/dom.js'
import type { Drawer } from '../ui/drawer.js'
import { eventDetailView } from '../ui/event-detail.js'
import {
  verificationErrorView,
  verificationUnavailableView,
  verificationView,
  verifyingView,
} from '../ui/verification-view.js'
import type { Checkpoint, VerifierKey } from '@auditseal/core'
import { checkAgainstTrusted } from '../verify/consistency.js'
import type { StepOutcome } from '../verify/steps.js'
import type { TrustedCheckpoint } from '../verify/trust-store.js'
import { verifyEvent } from '../verify/verify-event.js'
import type { EventVerification } from '../verify/verify-event.js'

export interface EventPanelContext {
  readonly api: ApiClient
  readonly drawer: Drawer
  /** The pinned key, or why there is none usable. */
  readonly verifier: () => VerifierKey | string
  /** The checkpoint this browser verified last, which every proof must be consistent with. */
  readonly trusted: () => TrustedCheckpoint | undefined
  /**
   * Trusts a larger checkpoint found consistent with `checkedAgainst` (its signed note as
   * given), unless the trusted checkpoint or the key changed meanwhile.
   */
  readonly trust: (checkpoint: Checkpoint, note: string, checkedAgainst: TrustedCheckpoint) => void
  readonly onUnauthorized: (error: ApiError) => void
}

export function eventPanel(context: EventPanelContext): (id: string) => Promise<void> {
  let current = 0
  return async function open(id: string): Promise<void> {
    const ticket = ++current
    const stale = () => ticket !== current || !context.drawer.isOpen
    context.drawer.show('Event', h('p', { class: 'loading' }, 'Loading the event…'))
    let event: ApiEvent
    try {
      event = await context.api.event(id)
    } catch (error) {
      if (stale()) return
      if (error instanceof ApiError && error.isUnauthorized) return context.onUnauthorized(error)
      const notFound = error instanceof ApiError && error.status === 404
      context.drawer.show(
        notFound ? 'Event not found' : 'Could not load the event',
        h('p', { role: 'alert', class: 'error' }, describeFailure(error)),
        !notFound &&
          h('button', { type: 'button', class: 'retry', onclick: () => void open(id) }, 'Retry'),
      )
      return
    }
    if (stale()) return
    if (!isEventOf(event, id)) {
      // The server answered with another event (or none): whatever it is, it is not this one.
      context.drawer.show(
        'Not the event asked for',
        h(
          'p',
          { role: 'alert', class: 'error' },
          `The server answered the request for event ${id} with ${describeAnswer(event)}: it is not shown.`,
        ),
      )
      return
    }
    const slot = verifyingView()
    context.drawer.show(event.type, eventDetailView(event, slot))
    await verifyInto(slot, context, event)
  }
}

/** Fetches the event's inclusion proof and puts the verdict in place of `slot`. */
async function verifyInto(
  slot: HTMLElement,
  context: EventPanelContext,
  event: ApiEvent,
): Promise<void> {
  const verifier = context.verifier()
  if (typeof verifier === 'string') return slot.replaceWith(verificationErrorView(verifier))
  const unavailable = (what: string, error: unknown) => {
    if (error instanceof ApiError && error.isUnauthorized) return context.onUnauthorized(error)
    const view = verificationUnavailableView(`${what}: ${describeFailure(error)}`, () => {
      const pending = verifyingView()
      view.replaceWith(pending)
      void verifyInto(pending, context, event)
    })
    slot.replaceWith(view)
  }
  let proof: unknown
  try {
    proof = await context.api.inclusionProof(event.id)
  } catch (error) {
    // The server lists the event but says it is in no tree: that is its answer, not an outage.
    if (error instanceof ApiError && error.status === 404) {
      return slot.replaceWith(
        verificationView(
          notInTheLog(`the server says the event is not in the log (${describeFailure(error)})`),
        ),
      )
    }
    return unavailable('the inclusion proof could not be fetched', error)
  }
  const result = verifyEvent({ event: { ...event }, proof, verifier })
  const trusted = context.trusted()
  if (!result.verified || result.checkpoint === undefined || trusted === undefined) {
    return slot.replaceWith(verificationView(withConsistency(result, trusted)))
  }
  const [from, to] = [result.checkpoint.size, trusted.size].sort((a, b) => a - b) as [
    number,
    number,
  ]
  let hashes: unknown = []
  if (from > 0 && from !== to) {
    try {
      hashes = (await context.api.consistencyProof(from, to)).proof
    } catch (error) {
      return unavailable('the consistency proof could not be fetched', error)
    }
  }
  const outcome = checkAgainstTrusted(
    trusted,
    result.checkpoint,
    Array.isArray(hashes) ? hashes : [],
    event.seq,
  )
  // A larger checkpoint consistent with the trusted one is trusted from now on, as Check
  // consistency would: the server is then held to it, fork or not.
  if (outcome.ok && result.checkpoint.size > trusted.size) {
    context.trust(result.checkpoint, (proof as { checkpoint: string }).checkpoint, trusted)
  }
  slot.replaceWith(verificationView(withConsistency(result, trusted, outcome)))
}

/**
 * The verification with its last step: the proof's checkpoint against the one this browser
 * trusts (none yet: said, and passed — the proof holds against the signed checkpoint alone).
 */
function withConsistency(
  result: EventVerification,
  trusted: TrustedCheckpoint | undefined,
  outcome?: { ok: true; detail: string } | { ok: false; reason: string },
): EventVerification {
  let step: StepOutcome
  if (!result.verified) {
    step = {
      id: 'consistency',
      status: 'not_reached',
      detail: 'not checked: an earlier step failed',
    }
  } else if (trusted === undefined || outcome === undefined) {
    step = {
      id: 'consistency',
      status: 'passed',
      detail:
        'no checkpoint is trusted in this browser yet: Check consistency keeps one, and every later proof must agree with it',
    }
  } else if (outcome.ok) {
    step = { id: 'consistency', status: 'passed', detail: outcome.detail }
  } else {
    step = { id: 'consistency', status: 'failed', detail: outcome.reason }
  }
  const failed = step.status === 'failed'
  return {
    ...result,
    verified: result.verified && !failed,
    steps: [...result.steps, step],
    ...(failed && { failure: step }),
  }
}

/** A verdict of Not verified before any step: the server itself says the event is not in it. */
function notInTheLog(reason: string): EventVerification {
  const failure: StepOutcome = { id: 'inclusion', status: 'failed', detail: reason }
  return { verified: false, steps: [failure], failure }
}

/** Whether the answer to GET /v1/events/{id} is an event with that id. */
function isEventOf(event: unknown, id: string): event is ApiEvent {
  return (
    typeof event === 'object' &&
    event !== null &&
    !Array.isArray(event) &&
    (event as { id?: unknown }).id === id
  )
}

function describeAnswer(event: unknown): string {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    return `${Array.isArray(event) ? 'a list' : String(event)}, not an event`
  }
  const other = (event as { id?: unknown }).id
  return typeof other === 'string' ? `event ${other.slice(0, 64)}` : 'an event without an id'
}
