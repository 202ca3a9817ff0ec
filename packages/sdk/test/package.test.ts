// The published package as its users load it: the package's "exports" resolved by Node from
// the built dist/ (the suite runs after `npm run build`), from ESM and from CommonJS.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../..', import.meta.url))

function node(args: string[]) {
  const run = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' })
  return { status: run.status, stderr: run.stderr }
}

describe('@auditseal/sdk as a dependency', () => {
  it('can be required from CommonJS (Node ≥ 20.19 loads ES modules through require)', () => {
    const script = [
      "const m = require('@auditseal/sdk')",
      "if (typeof m.createAuditLogger !== 'function') process.exit(1)",
      "const f = require('@auditseal/sdk/fastify')",
      "if (typeof f.auditPlugin !== 'function') process.exit(2)",
    ].join(';')
    expect(node(['-e', script])).toMatchObject({ status: 0 })
  })

  it('can be imported from an ES module', () => {
    const script = [
      "const m = await import('@auditseal/sdk')",
      "if (typeof m.createAuditLogger !== 'function') process.exit(1)",
    ].join(';')
    expect(node(['--input-type=module', '-e', script])).toMatchObject({ status: 0 })
  })
})
