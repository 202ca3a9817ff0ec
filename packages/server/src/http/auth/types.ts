// Who is calling: the principal an API key or a JWT stands for, and what it may do.

import type { FastifyRequest } from 'fastify'
import { SYSTEM_TENANT_ID } from '@auditseal/core'

/** The roles of architecture §5: admin, auditor (read), ingest, operator (devices). */
export const APP_ROLES = ['admin', 'auditor', 'ingest', 'operator'] as const
export type AppRole = (typeof APP_ROLES)[number]

/** The scopes an API key is created with. */
export const API_KEY_SCOPES = ['ingest', 'read', 'admin'] as const
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number]

/** The roles each scope grants: admin implies reading and ingesting. */
export const SCOPE_ROLES: Readonly<Record<ApiKeyScope, readonly AppRole[]>> = Object.freeze({
  ingest: ['ingest'],
  read: ['auditor'],
  admin: ['admin', 'auditor', 'ingest'],
})

export interface Principal {
  kind: 'api_key' | 'jwt'
  /** The JWT `sub`, or `api_key:<key id>`. */
  subject: string
  /** A lowercase UUID: the only tenant this principal may read or write. */
  tenantId: string
  roles: readonly AppRole[]
  /** Stable per credential, for rate limits and logs: `api_key:<id>` or `jwt:<tenant>:<sub>`. */
  credentialId: string
}

/** What the auth-failure hook hears about every 401 and 403 answer, of any route. */
export interface AuthFailure {
  status: 401 | 403
  /** The API error code sent, e.g. `unauthorized`, `forbidden`, `tenant_mismatch`. */
  code: string
  /** Why, in more detail than the client is told (e.g. "API key revoked"). */
  reason: string
  request: FastifyRequest
  /** Present on a 403: who was refused. */
  principal?: Principal
}

export type OnAuthFailure = (failure: AuthFailure) => void

export function isAppRole(value: unknown): value is AppRole {
  return typeof value === 'string' && (APP_ROLES as readonly string[]).includes(value)
}

export function isApiKeyScope(value: unknown): value is ApiKeyScope {
  return typeof value === 'string' && (API_KEY_SCOPES as readonly string[]).includes(value)
}

/** The roles of a set of scopes, each once, in APP_ROLES order. */
export function rolesOfScopes(scopes: readonly ApiKeyScope[]): AppRole[] {
  const granted = new Set(scopes.flatMap((scope) => SCOPE_ROLES[scope]))
  return APP_ROLES.filter((role) => granted.has(role))
}

export const LOWERCASE_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/**
 * The system tenant's log holds the server's own records (requests refused before any tenant
 * was known, docs/gateway.md); only the server writes it. A credential for it may read it and
 * nothing else: its other roles are dropped, and none are issued.
 */
export const SYSTEM_TENANT_ROLES: readonly AppRole[] = ['auditor']

/** `roles` as they hold in `tenantId`. */
export function rolesInTenant(tenantId: string, roles: readonly AppRole[]): AppRole[] {
  return tenantId === SYSTEM_TENANT_ID
    ? roles.filter((role) => SYSTEM_TENANT_ROLES.includes(role))
    : [...roles]
}
