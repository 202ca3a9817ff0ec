import type { Credential } from '../state/credential.js'
import { h } from './dom.js'

export interface HeaderOptions {
  readonly credential: Credential
  /** The tenant id in the log's origin: what the server actually scoped this token to. */
  readonly tenantId: string
  readonly onSignOut: () => void
}

/** The top bar: who is signed in, to which tenant, with which rights; and sign-out. */
export function headerView(options: HeaderOptions): HTMLElement {
  return h(
    'header',
    { class: 'top-bar' },
    h('a', { class: 'skip-link', href: '#main' }, 'Skip to the events'),
    h('span', { class: 'brand' }, 'auditseal'),
    h('dl', { class: 'identity', 'aria-label': 'Signed in as' }, identityItems(options)),
    h('a', { class: 'status-link', href: '#status-title' }, 'Log status'),
    h('button', { type: 'button', class: 'sign-out', onclick: options.onSignOut }, 'Sign out'),
  )
}

function identityItems({ credential, tenantId }: HeaderOptions): HTMLElement[] {
  const item = (term: string, value: string, title?: string, optional = false) =>
    h(
      'div',
      { class: optional ? 'optional' : undefined },
      h('dt', {}, term),
      h('dd', { title }, value),
    )
  if (credential.kind === 'api_key') {
    return [
      item('Credential', `API key ${credential.token.slice(0, 8)}…`),
      item('Tenant', tenantId, "From the log's origin"),
      item(
        'Scopes',
        'read (others not visible)',
        'The key reads this log; whether it also has ingest or admin is not visible to the viewer',
      ),
    ]
  }
  const { claims } = credential
  const items = [
    item('User', claims.sub ?? '(no sub)'),
    item('Tenant', tenantId, "From the log's origin"),
    item('Roles', claims.roles && claims.roles.length > 0 ? claims.roles.join(', ') : '(none)'),
  ]
  if (claims.exp !== undefined) {
    const expires = new Date(claims.exp * 1000)
    items.push(item('Expires', expires.toLocaleString(), expires.toISOString(), true))
  }
  return items
}
