// AUDITSEAL_JWT_MAX_AGE_S: with a maximum age, a token must say when it was issued, be no older
// than that, and not be issued to live longer — whatever its issuer wrote into exp. Without
// it, tokens are judged by exp alone, as before.

import { SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { createJwtVerifier, TokenRejected } from '../../src/http/auth/jwt.js'
import type { JwtVerifier } from '../../src/http/auth/jwt.js'
import { newTenantId } from '../support/events.js'

const SECRET = 'a development secret of at least thirty-two bytes'
const tenant = newTenantId()
const now = () => Math.floor(Date.now() / 1000)

/** An HS256 token for `tenant`; iat and exp in seconds from now (iat undefined: none). */
function token(iat: number | undefined, exp: number): Promise<string> {
  let jwt = new SignJWT({ tenant_id: tenant, roles: ['auditor'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('alice')
    .setExpirationTime(now() + exp)
  if (iat !== undefined) jwt = jwt.setIssuedAt(now() + iat)
  return jwt.sign(new TextEncoder().encode(SECRET))
}

function verifier(maxAgeSeconds?: number): JwtVerifier {
  return createJwtVerifier({
    secret: SECRET,
    tenantClaim: 'tenant_id',
    ...(maxAgeSeconds !== undefined && { maxAgeSeconds }),
  }) as JwtVerifier
}

async function refusal(verify: JwtVerifier, jwt: Promise<string>): Promise<string> {
  const error = await verify(await jwt).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(TokenRejected)
  return (error as TokenRejected).message
}

describe('a maximum token age', () => {
  const verify = verifier(600)

  it('accepts a token issued now for less than the maximum', async () => {
    expect(await verify(await token(0, 300))).toMatchObject({ tenantId: tenant, subject: 'alice' })
    expect(await verify(await token(-500, 100))).toMatchObject({ tenantId: tenant })
  })

  it('refuses a token without iat, one older than the maximum, one issued to live longer', async () => {
    expect(await refusal(verify, token(undefined, 300))).toBe("the token's iat claim is missing")
    expect(await refusal(verify, token(-700, 300))).toBe(
      'the token is older than the 600 s this server allows',
    )
    expect(await refusal(verify, token(0, 3600))).toBe(
      'the token is issued to live longer than the 600 s this server allows (exp − iat)',
    )
    // Expired is still expired.
    expect(await refusal(verify, token(-300, -100))).toBe('the token has expired')
  })

  it('without one, a token is judged by exp alone', async () => {
    const plain = verifier()
    expect(await plain(await token(undefined, 30 * 86_400))).toMatchObject({ tenantId: tenant })
    expect(await plain(await token(-86_400, 3600))).toMatchObject({ tenantId: tenant })
  })
})
