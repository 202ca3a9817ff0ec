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
import type { VerifierKey } from '@auditseal/core'
import { verifyEvent } from '../verify/verify-event.js'

export interface EventPanelContext {
  readonly api: ApiClient
  readonly drawer: Drawer
  /** The pinned key, or why there is none usable. */
  readonly verifier: () => VerifierKey | string
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
  let proof: unknown
  try {
    proof = await context.api.inclusionProof(event.id)
  } catch (error) {
    if (error instanceof ApiError && error.isUnauthorized) return context.onUnauthorized(error)
    const unavailable = verificationUnavailableView(
      `the inclusion proof could not be fetched: ${describeFailure(error)}`,
      () => {
        const pending = verifyingView()
        unavailable.replaceWith(pending)
        void verifyInto(pending, context, event)
      },
    )
    return slot.replaceWith(unavailable)
  }
  slot.replaceWith(verificationView(verifyEvent({ event: { ...event }, proof, verifier })))
}
