// API keys: `ask_<id>_<secret>`, where id is 12 random bytes in hex (the public lookup key)
// and secret 32 random bytes in base64url (256 bits, shown once). The database keeps only
// SHA-256 over the id and the secret: for a secret of that entropy a fast hash is as good as a
// password hash, and binding the id means one key's hash cannot be copied onto another row.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Database } from '../../db/database.js'
import type { ApiKeyScope, Principal } from './types.js'
import { isApiKeyScope, LOWERCASE_UUID, rolesInTenant, rolesOfScopes } from './types.js'

export const API_KEY_PREFIX = 'ask_'
const API_KEY = /^ask_([0-9a-f]{24})_([A-Za-z0-9_-]{43})$/
const API_KEY_ID = /^[0-9a-f]{24}$/

/**
 * The key id in `text`: an id as createApiKey returns it, or the id part of a whole key
 * (`ask_<id>_<secret>`). Undefined for anything else.
 */
export function apiKeyIdOf(text: string): string | undefined {
  return API_KEY_ID.test(text) ? text : API_KEY.exec(text)?.[1]
}

export interface CreateApiKeyInput {
  tenantId: string
  scopes: ApiKeyScope[]
  name?: string
}

/**
 * createApiKey stores a new key for one tenant and returns it; `key` is the only copy of the
 * secret. Throws TypeError for a tenant that is not a lowercase UUID, no or unknown scopes,
 * or a name that is empty, longer than 200 characters or holds control characters.
 */
export async function createApiKey(
  db: Database,
  input: CreateApiKeyInput,
): Promise<{ id: string; key: string }> {
  const scopes = checkInput(input)
  const id = randomBytes(12).toString('hex')
  const secret = randomBytes(32).toString('base64url')
  await db.tenantTransaction('writer', input.tenantId, (sql) =>
    sql.query(
      `INSERT INTO auditseal.api_keys (id, tenant_id, name, scopes, secret_hash)
       VALUES ($1, $2, $3, $4::text[], decode($5, 'hex'))`,
      [id, input.tenantId, input.name ?? null, scopes, secretHash(id, secret).toString('hex')],
    ),
  )
  return { id, key: `${API_KEY_PREFIX}${id}_${secret}` }
}

/** revokeApiKey revokes a key of the tenant; false if it has no such unrevoked key. */
export async function revokeApiKey(db: Database, tenantId: string, id: string): Promise<boolean> {
  const rows = await db.tenantTransaction('writer', tenantId, (sql) =>
    sql.query(
      `UPDATE auditseal.api_keys SET revoked_at = now()
       WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL RETURNING id`,
      [tenantId, id],
    ),
  )
  return rows.length === 1
}

function checkInput(input: CreateApiKeyInput): ApiKeyScope[] {
  if (typeof input.tenantId !== 'string' || !LOWERCASE_UUID.test(input.tenantId)) {
    throw new TypeError(`tenant must be a lowercase UUID, got ${JSON.stringify(input.tenantId)}`)
  }
  if (!Array.isArray(input.scopes) || input.scopes.length === 0) {
    throw new TypeError('give at least one scope: ingest, read or admin')
  }
  for (const scope of input.scopes) {
    if (!isApiKeyScope(scope)) {
      throw new TypeError(`unknown scope ${JSON.stringify(scope)}: use ingest, read or admin`)
    }
  }
  if (
    input.name !== undefined &&
    (input.name.length < 1 || input.name.length > 200 || hasControlCharacter(input.name))
  ) {
    throw new TypeError('a key name has 1 to 200 characters and no control characters')
  }
  const scopes = [...new Set(input.scopes)]
  const roles = rolesOfScopes(scopes)
  if (rolesInTenant(input.tenantId, roles).length !== roles.length) {
    throw new TypeError(
      "the system tenant's log is written by the server only: a key for it may have the read scope only",
    )
  }
  return scopes
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    if (unit < 0x20 || unit === 0x7f) return true
  }
  return false
}

/** SHA-256("auditseal-api-key-v1\n" ‖ id ‖ "\n" ‖ secret). */
function secretHash(id: string, secret: string): Buffer {
  return createHash('sha256').update(`auditseal-api-key-v1\n${id}\n${secret}`).digest()
}

export function looksLikeApiKey(token: string): boolean {
  return token.startsWith(API_KEY_PREFIX)
}

/** Why a presented key was refused; the client hears only "invalid API key". */
export class ApiKeyRejected extends Error {
  override name = 'ApiKeyRejected'
}

/**
 * Verifies presented API keys against the database. The lookup runs on the write database
 * (the primary), so a key works as soon as it is created and stops as soon as it is revoked,
 * whatever a replica's lag.
 */
export class ApiKeyVerifier {
  constructor(private readonly db: Database) {}

  async verify(token: string): Promise<Principal> {
    const match = API_KEY.exec(token)
    if (match === null) throw new ApiKeyRejected('malformed API key')
    const [, id, secret] = match as unknown as [string, string, string]
    const [row] = await this.db.roleTransaction('reader', (sql) =>
      sql.query<{ tenant_id: string; scopes: string[]; secret_hash: Uint8Array; revoked: boolean }>(
        'SELECT tenant_id::text AS tenant_id, scopes, secret_hash, revoked FROM auditseal.api_key_for_auth($1)',
        [id],
      ),
    )
    const presented = secretHash(id, secret)
    // Compare even for an unknown id, so the answer takes as long either way.
    const stored = row ? Buffer.from(row.secret_hash) : Buffer.alloc(presented.length)
    const equal = stored.length === presented.length && timingSafeEqual(stored, presented)
    if (!row) throw new ApiKeyRejected(`unknown API key id ${id}`)
    if (!equal) throw new ApiKeyRejected(`wrong secret for API key ${id}`)
    if (row.revoked) throw new ApiKeyRejected(`API key ${id} is revoked`)
    const scopes = row.scopes.filter(isApiKeyScope)
    return {
      kind: 'api_key',
      subject: `api_key:${id}`,
      tenantId: row.tenant_id,
      roles: rolesInTenant(row.tenant_id, rolesOfScopes(scopes)),
      credentialId: `api_key:${id}`,
    }
  }
}
