// The signed-in page: identity, log status, filters, the events table, exports and the event
// drawer, with the filters and the open event mirrored in the URL.

import { toBase64 } from '@auditseal/core'
import type { VerifierKey } from '@auditseal/core'
import { ApiError, describeFailure } from '../api/api-error.js'
import type { ApiClient } from '../api/client.js'
import type { ExportFormat, LogInfo } from '../api/types.js'
import type { Credential } from '../state/credential.js'
import { credentialIdentity } from '../state/credential.js'
import {
  isEmptyFilter,
  sameFilter,
  searchOfViewState,
  viewStateFromSearch,
} from '../state/filters.js'
import type { ViewState } from '../state/filters.js'
import { announce, h, replaceChildren } from '../ui/dom.js'
import { saveBlob } from '../ui/download.js'
import { drawer as createDrawer } from '../ui/drawer.js'
import { eventsTable } from '../ui/events-table.js'
import { filterForm } from '../ui/filter-form.js'
import { headerView } from '../ui/header.js'
import { firstSeenView, keyWarningView } from '../ui/key-warning.js'
import { statusPanel } from '../ui/status-panel.js'
import type { TrustStore } from '../verify/trust-store.js'
import { VerifierKeyError, resolveVerifierKey, trustServedKey } from '../verify/verifier-key.js'
import type { KeyResolution } from '../verify/verifier-key.js'
import { eventPanel } from './event-panel.js'
import { checkConsistency, loadLogStatus } from './log-status.js'

export interface WorkspaceContext {
  readonly api: ApiClient
  readonly credential: Credential
  readonly log: LogInfo
  readonly trust: TrustStore
  readonly onSignOut: () => void
  readonly onUnauthorized: (error: ApiError) => void
}

const PAGE_SIZE = 50

export function mountWorkspace(root: HTMLElement, context: WorkspaceContext): () => void {
  const { api, trust, log } = context
  const tenantId = log.origin.slice(log.origin.lastIndexOf('/') + 1)
  let state: ViewState = viewStateFromSearch(location.search)
  let cursor: string | null = null
  let loadTicket = 0

  // The verifier key: pinned on first sight for the tenant, never replaced silently.
  let key: KeyResolution | undefined
  let keyError = ''
  // A JWT says its tenant: a log the server presents as another tenant's is not this person's.
  const claimed =
    context.credential.kind === 'jwt' ? context.credential.claims.tenant_id : undefined
  // An API key serves one tenant: the tenant it was used with before is remembered.
  const identity = credentialIdentity(context.credential)
  // The key pinned at this sign-in, on first sight: said for the whole session.
  let firstSeen: string | undefined
  const resolveKey = (current: LogInfo) => {
    try {
      // The tenant of this page is the one signed in to; a log the server presents later as
      // another tenant's (a Refresh) is refused, not resolved against this tenant's pins.
      const presented = current.origin.slice(current.origin.lastIndexOf('/') + 1)
      if (presented !== tenantId) {
        throw new VerifierKeyError(
          `The server now presents the log ${current.origin}, of another tenant than the one signed in to (${tenantId}): reload to sign in again.`,
        )
      }
      if (claimed !== undefined && !current.origin.endsWith(`/${claimed}`)) {
        throw new VerifierKeyError(
          `The server presents the log ${current.origin}, but the token is for tenant ${claimed}: this is not your log.`,
        )
      }
      const before = identity === undefined ? undefined : trust.credentialTenant(identity)
      if (before !== undefined && before !== tenantId) {
        throw new VerifierKeyError(
          `This API key was used with tenant ${before} in this browser, but the server now presents the log of tenant ${tenantId}: this is not the log the key writes to.`,
        )
      }
      const resolved = resolveVerifierKey(trust, tenantId, current.origin, current.vkey)
      if (identity !== undefined && before === undefined) {
        trust.rememberCredentialTenant(identity, tenantId)
      }
      if (resolved.state === 'pinned_now' && firstSeen === undefined) firstSeen = resolved.served
      key =
        resolved.state === 'pinned' && resolved.pinned.vkey === firstSeen
          ? { ...resolved, state: 'pinned_now' }
          : resolved
      keyError = ''
    } catch (error) {
      if (!(error instanceof VerifierKeyError)) throw error
      key = undefined
      keyError = error.message
    }
  }
  resolveKey(log)
  const verifier = (): VerifierKey | string => key?.verifier ?? keyError

  const handleError = (error: unknown, show: (message: string) => void) => {
    if (error instanceof ApiError && error.isUnauthorized) context.onUnauthorized(error)
    else show(describeFailure(error))
  }

  // The pieces.
  const listStatus = h('p', { class: 'list-status', role: 'status' })
  const liveRegion = h('p', { class: 'visually-hidden', 'aria-live': 'polite' })
  const table = eventsTable(
    (id) => searchOfViewState({ ...state, eventId: id }) || '?',
    (id) => navigate({ ...state, eventId: id }),
  )
  const loadMore = h('button', { type: 'button', class: 'load-more', hidden: true }, 'Load more')
  loadMore.addEventListener('click', () => void loadEvents('append'))
  const form = filterForm((filter) => navigate({ filter }))
  form.show(state.filter)
  const exportStatus = h('span', { class: 'export-status', role: 'status' })
  const exportButtons = (['csv', 'ndjson'] as const).map((format) =>
    h(
      'button',
      { type: 'button', onclick: () => void exportEvents(format) },
      `Export ${format.toUpperCase()}`,
    ),
  )
  const keyBanner = h('div', { class: 'key-banner' })
  const drawer = createDrawer(() => {
    if (state.eventId === undefined) return
    const id = state.eventId
    navigate({ filter: state.filter })
    table.rowOf(id)?.focus()
  })
  const openEvent = eventPanel({
    api,
    drawer,
    verifier,
    trusted: () => (key ? trust.trustedCheckpoint(key.tenant) : undefined),
    trust: (checkpoint, note, checkedAgainst) => {
      // Only if nothing moved meanwhile: the trusted checkpoint is still the one the proof was
      // checked against (Check consistency or another event may have trusted a larger one),
      // and the key that signed this one is still the pinned one.
      if (key === undefined || checkpoint.origin !== key.verifier.name) return
      const current = trust.trustedCheckpoint(key.tenant)
      if (
        current === undefined ||
        current.size !== checkedAgainst.size ||
        current.rootHash !== checkedAgainst.rootHash ||
        checkpoint.size <= current.size
      ) {
        return
      }
      trust.saveTrustedCheckpoint(key.tenant, {
        size: checkpoint.size,
        rootHash: toBase64(checkpoint.rootHash),
        note,
        verifiedAt: new Date().toISOString(),
      })
    },
    onUnauthorized: context.onUnauthorized,
  })
  const status = statusPanel({
    refresh: () => void refreshStatus(),
    checkConsistency: () =>
      key ? checkConsistency(api, trust, key) : Promise.resolve({ ok: false, message: keyError }),
  })

  function renderKeyBanner(): void {
    if (keyError) {
      replaceChildren(
        keyBanner,
        h(
          'div',
          { class: 'key-warning', role: 'alert' },
          h('h2', {}, '⚠ No usable verifier key'),
          h('p', {}, keyError),
        ),
      )
    } else if (key?.state === 'pinned_now' && firstSeen !== undefined) {
      replaceChildren(keyBanner, firstSeenView(key))
    } else if (key?.state === 'changed') {
      replaceChildren(
        keyBanner,
        keyWarningView(key, () => {
          try {
            if (key) key = trustServedKey(trust, key)
          } catch (error) {
            if (!(error instanceof VerifierKeyError)) throw error
            key = undefined
            keyError = error.message
          }
          renderKeyBanner()
          void refreshStatus()
        }),
      )
    } else {
      keyBanner.replaceChildren()
    }
  }

  async function refreshStatus(): Promise<void> {
    try {
      // A key (or origin) the server changed since sign-in is told now, not at the next reload.
      resolveKey(await api.log())
      renderKeyBanner()
      if (!key) return status.showError(keyError)
      status.show(await loadLogStatus(api, trust, key), key)
    } catch (error) {
      handleError(error, (message) => status.showError(message))
    }
  }

  /**
   * Loads the first page of the current filter (`replace`) or the next one (`append`). Only
   * the latest load may touch the table, the cursor or Load more: a response (or failure) of
   * one that was superseded is dropped.
   */
  async function loadEvents(mode: 'replace' | 'append'): Promise<void> {
    const ticket = ++loadTicket
    loadMore.disabled = true
    listStatus.className = 'list-status'
    if (mode === 'replace') {
      // A new query: nothing of the old one stays, least of all its cursor, which belongs to
      // the old filter and would append its rows under this one.
      table.show([], 'replace')
      cursor = null
      loadMore.hidden = true
      listStatus.textContent = 'Loading…'
    }
    try {
      const page = await api.events(state.filter, cursor ?? undefined, PAGE_SIZE)
      if (ticket !== loadTicket) return
      table.show(page.events, mode)
      cursor = page.next_cursor
      loadMore.hidden = cursor === null
      const shown = table.size
      const filtered = isEmptyFilter(state.filter) ? '' : ' matching the filters'
      listStatus.textContent =
        shown === 0
          ? `No events${filtered}.`
          : `${shown} event${shown === 1 ? '' : 's'}${filtered}${cursor === null ? '' : ', more to load'}.`
      if (mode === 'append') announce(liveRegion, `${page.events.length} more events loaded.`)
    } catch (error) {
      if (ticket !== loadTicket) return
      handleError(error, (message) => {
        listStatus.className = 'list-status error'
        replaceChildren(
          listStatus,
          `Could not load events: ${message}. `,
          h('button', { type: 'button', onclick: () => void loadEvents(mode) }, 'Retry'),
        )
      })
    } finally {
      if (ticket === loadTicket) loadMore.disabled = false
    }
  }

  async function exportEvents(format: ExportFormat): Promise<void> {
    for (const button of exportButtons) button.disabled = true
    exportStatus.textContent = `Preparing the ${format.toUpperCase()} export…`
    try {
      const { blob, filename } = await api.export(format, state.filter)
      saveBlob(blob, filename)
      exportStatus.textContent = `Saved ${filename} (${blob.size.toLocaleString()} bytes).`
    } catch (error) {
      handleError(error, (message) => {
        exportStatus.textContent = `Export failed: ${message}`
      })
    } finally {
      for (const button of exportButtons) button.disabled = false
    }
  }

  /** Moves to `next`: a new history entry, then whatever changed is shown. */
  function navigate(next: ViewState): void {
    history.pushState(null, '', `${location.pathname}${searchOfViewState(next)}`)
    apply(next)
  }

  function apply(next: ViewState): void {
    const previous = state
    state = next
    if (!sameFilter(previous.filter, next.filter)) {
      form.show(next.filter)
      void loadEvents('replace')
    }
    if (next.eventId !== undefined && next.eventId !== previous.eventId)
      void openEvent(next.eventId)
    if (next.eventId === undefined) drawer.close()
  }

  const onPopState = () => apply(viewStateFromSearch(location.search))
  window.addEventListener('popstate', onPopState)

  replaceChildren(
    root,
    headerView({ credential: context.credential, tenantId, onSignOut: context.onSignOut }),
    h(
      'div',
      { class: 'layout' },
      h(
        'main',
        { id: 'main', class: 'content', tabindex: -1 },
        keyBanner,
        h('h1', { class: 'visually-hidden' }, 'Audit events'),
        form.element,
        h(
          'div',
          { class: 'list-bar' },
          listStatus,
          h('div', { class: 'exports' }, exportButtons, exportStatus),
        ),
        h('div', { class: 'table-wrap' }, table.element),
        loadMore,
        liveRegion,
      ),
      h('aside', { class: 'sidebar', 'aria-label': 'Log status' }, status.element),
    ),
    drawer.element,
  )
  renderKeyBanner()
  void refreshStatus()
  void loadEvents('replace')
  if (state.eventId !== undefined) void openEvent(state.eventId)

  return () => window.removeEventListener('popstate', onPopState)
}
