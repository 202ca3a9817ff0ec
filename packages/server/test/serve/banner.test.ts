// The start-up banner as a new user reads it: every command and key it offers must work for
// what it is offered for.

import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { generateSigningKey, isUuid, SYSTEM_TENANT_ID, verifierKeyString } from '@auditseal/core'
import { loadConfig } from '../../src/config/index.js'
import { nodeCrypto } from '../../src/crypto/node-crypto.js'
import { bannerLines, type BannerFacts } from '../../src/server/banner.js'
import type { LogTenant } from '../../src/server/log-tenants.js'
import { LogKeys } from '../../src/store/log-keys.js'

const TENANT = '0190b6a4-7e5c-7000-8000-000000000001'
const seed = randomBytes(32)
const key = generateSigningKey(nodeCrypto, 'auditseal.local', seed)
const keys = new LogKeys(nodeCrypto, 'auditseal.local', seed)
const keyOfTheKey = verifierKeyString(key.name, key.keyId, key.publicKey)

/** The banner of a first start on an embedded database, with the given logs. */
function banner(tenants: LogTenant[]): string {
  const facts: BannerFacts = {
    url: 'http://127.0.0.1:3000',
    config: loadConfig({ dataDir: '/srv/auditseal' }, {}),
    signingKey: { key, file: '/srv/auditseal/signing.key', created: true },
    keys,
    tenants,
    tenantsTruncated: false,
    viewer: true,
    developmentSecret: { file: '/srv/auditseal/jwt.secret', created: true },
    migrations: { kind: 'applied', applied: [] },
  }
  return bannerLines(facts).join('\n')
}

/** The tenant of the suggested `auditseal token` command. */
function suggestedTenant(text: string): string {
  const tenant = /auditseal token --tenant (\S+) --sub alice --roles admin/.exec(text)?.[1]
  expect(tenant).toBeDefined()
  return tenant as string
}

describe('the development-token command the banner suggests', () => {
  it('names a tenant whose log has events, not the system tenant that sorts before it', () => {
    const text = banner([
      { tenantId: SYSTEM_TENANT_ID, size: 3 },
      { tenantId: TENANT, size: 42 },
    ])
    expect(suggestedTenant(text)).toBe(TENANT)
  })

  describe('when the only log is the system tenant’s (auth failures)', () => {
    it('names a new example tenant: a token for the system tenant may not be admin', () => {
      const tenant = suggestedTenant(banner([{ tenantId: SYSTEM_TENANT_ID, size: 3 }]))
      expect(tenant).not.toBe(SYSTEM_TENANT_ID)
      expect(isUuid(tenant)).toBe(true)
    })
  })
})

describe('the verifier keys the banner shows', () => {
  // A tenant without events, or one that comes after the start, is not listed: the banner
  // says where its key comes from in any case.
  it.each([
    ['no tenant has a log yet', []],
    ['some tenants have logs', [{ tenantId: TENANT, size: 42 }]],
  ])('says where a tenant’s verifier key comes from when %s', (_, tenants: LogTenant[]) => {
    expect(banner(tenants)).toContain(
      '  tenant keys:   --vkey takes a tenant\'s own verifier key: "vkey" of GET /v1/log with a\n' +
        '                 token of that tenant (auditor or admin)',
    )
  })

  describe('on a first start, when no tenant has a log yet', () => {
    const text = banner([])

    it('does not offer the signing key’s own key as a verifier key (no tenant’s --vkey)', () => {
      expect(text).toContain(keyOfTheKey)
      const line = text.split('\n').find((l) => l.includes(keyOfTheKey)) as string
      expect(line).not.toMatch(/verifier key/)
    })
  })

  it('lists each tenant’s own key, the one GET /v1/log gives and --vkey takes', () => {
    const text = banner([{ tenantId: TENANT, size: 42 }])
    expect(text).toContain(`    ${keys.verifierKey(TENANT)}  (42 events)`)
    expect(keys.verifierKey(TENANT)).toMatch(new RegExp(`^auditseal\\.local/${TENANT}\\+`))
  })
})
