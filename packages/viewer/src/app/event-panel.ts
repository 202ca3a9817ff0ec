// Opens one event: fetch it, show it, then fetch its inclusion proof and verify it here.

import { ApiError } from '../api/api-error.js'
import type { ApiClient } from '../api/client.js'
import type { ApiEvent } from '../api/types.js'
import { h } from '../ui/dom.js'
import type { Drawer } from '../ui/drawer.js'
import { eventDetailView } from '../ui/event-detail.js'
import { verificationErrorView, verificationView, verifyingView } from '../ui/verification-view.js'
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
      context.drawer.show(
        'Event not found',
        h('p', { role: 'alert', class: 'error' }, messageOf(error)),
      )
      return
    }
    if (stale()) return
    const slot = verifyingView()
    context.drawer.show(event.type, eventDetailView(event, slot))
    slot.replaceWith(await verification(context, event))
  }
}

async function verification(context: EventPanelContext, event: ApiEvent): Promise<HTMLElement> {
  const verifier = context.verifier()
  if (typeof verifier === 'string') return verificationErrorView(verifier)
  let proof: unknown
  try {
    proof = await context.api.inclusionProof(event.id)
  } catch (error) {
    return verificationErrorView(`the inclusion proof could not be fetched: ${messageOf(error)}`)
  }
  return verificationView(verifyEvent({ event: { ...event }, proof, verifier }))
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
