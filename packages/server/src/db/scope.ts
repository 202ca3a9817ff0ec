import { ROLE_NAMES, type Role } from './database.js'
import { DbError } from './errors.js'

const LOWERCASE_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** assertTenantId rejects anything but a lowercase UUID before it reaches a query. */
function assertTenantId(tenantId: string): void {
  if (typeof tenantId !== 'string' || !LOWERCASE_UUID.test(tenantId)) {
    throw new DbError(
      'INVALID_TENANT_ID',
      `tenant id must be a lowercase UUID, got ${JSON.stringify(tenantId)}`,
    )
  }
}

/**
 * setRoleStatement returns `SET LOCAL ROLE auditseal_<role>`. A role cannot be a query
 * parameter, so the name comes from a closed map, never from the caller's string.
 */
export function setRoleStatement(role: Role): string {
  if (!Object.hasOwn(ROLE_NAMES, role)) {
    throw new DbError('INVALID_ROLE', `unknown role ${JSON.stringify(role)}`)
  }
  return `SET LOCAL ROLE ${ROLE_NAMES[role]}`
}

/** The statement that scopes a transaction to one tenant: $1 is the tenant id. */
export const SET_TENANT_SQL = "SELECT set_config('app.tenant_id', $1, true)"

/**
 * What opens a transaction as `role` scoped to one tenant, on both engines: SET LOCAL ROLE and
 * the scope as one script, sent with BEGIN in one round trip on PostgreSQL. The tenant id goes
 * in as a literal: it is checked to be a lowercase UUID first, so it cannot carry a quote.
 */
export function tenantScopeScript(role: Role, tenantId: string): string {
  const setRole = setRoleStatement(role)
  assertTenantId(tenantId)
  return `${setRole}; SELECT set_config('app.tenant_id', '${tenantId}', true)`
}
