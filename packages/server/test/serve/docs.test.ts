// The docs show what the server really exports and prints: docs/api.md's metrics table is
// every metric `auditseal serve` registers, and docs/operations.md's first-start banner is
// what bannerLines prints on a first start, keys, tenant ids and paths aside.

import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import { generateSigningKey } from '@auditseal/core'
import { noopSink } from '../../src/audit-queue/sink.js'
import { loadConfig } from '../../src/config/index.js'
import { nodeCrypto } from '../../src/crypto/node-crypto.js'
import { AuthFailureAuditor } from '../../src/gateway/auth-audit.js'
import { AppMetrics } from '../../src/http/metrics.js'
import { bannerLines } from '../../src/server/banner.js'
import { registerSinkMetrics } from '../../src/server/sink-metrics.js'
import { LogKeys } from '../../src/store/log-keys.js'

const doc = (name: string) =>
  readFileSync(new URL(`../../../../docs/${name}`, import.meta.url), 'utf8')

describe('docs/api.md', () => {
  it('lists every metric of `auditseal serve` in its metrics table, and no other', async () => {
    // What serve registers: the app's own metrics, then the audit queue's and auth auditor's.
    const metrics = new AppMetrics()
    const sink = noopSink()
    const auth = new AuthFailureAuditor(sink)
    registerSinkMetrics({ auditsealMetrics: metrics } as FastifyInstance, sink, auth)
    auth.close()
    const registered = (await metrics.registry.getMetricsAsJSON()).map(({ name }) => name)
    const documented = [...doc('api.md').matchAll(/^\| `(auditseal_[a-z_]+)[{`]/gm)].map(
      ([, name]) => name,
    )
    expect(documented.sort()).toEqual(registered.sort())
  })
})

describe('docs/operations.md', () => {
  it('shows the banner of a first start as serve prints it', () => {
    const example = /prints\n\(a first start\):\n\n```\n([\s\S]*?)\n```/.exec(
      doc('operations.md'),
    )?.[1]
    expect(example).toBeDefined()
    // A first start in the directory /home/me, with the default data directory.
    const dataDir = join(process.cwd(), '.auditseal')
    const seed = randomBytes(32)
    const real = bannerLines({
      url: 'http://127.0.0.1:3000',
      config: loadConfig({ dataDir }, {}),
      signingKey: {
        key: generateSigningKey(nodeCrypto, 'auditseal.local', seed),
        file: join(dataDir, 'signing.key'),
        created: true,
      },
      keys: new LogKeys(nodeCrypto, 'auditseal.local', seed),
      tenants: [],
      tenantsTruncated: false,
      viewer: true,
      developmentSecret: { file: join(dataDir, 'jwt.secret'), created: true },
      migrations: { kind: 'applied', applied: ['0001_roles', '0002_log_tables'] },
    }).join('\n')
    expect(mask(example as string)).toBe(mask(real.replaceAll(process.cwd(), '/home/me')))
  })
})

/** The text without what differs from start to start: keys, tenant ids, migration names. */
function mask(banner: string): string {
  return banner
    .replace(/[^\s+]+\+[0-9a-f]{8}\+[A-Za-z0-9+/=]+/g, '<key>')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>')
    .replace(/^( {2}migrations: +applied ).*$/m, '$1<names>')
}
