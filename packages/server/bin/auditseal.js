#!/usr/bin/env node
// The `auditseal` command that npm links into node_modules/.bin. It is committed, unlike
// dist/, because npm links a "bin" only if its file exists when it installs, and in a fresh
// clone dist/ does not exist until `npm run build`. So this file must run without a build,
// and say so plainly when there is none.

import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const cli = new URL('../dist/cli.js', import.meta.url)

if (!existsSync(cli)) {
  // In the repository (also when linked from elsewhere: Node resolves the real path), the
  // root's `npm run build` builds the packages in dependency order.
  const root = resolve(fileURLToPath(import.meta.url), '../../../..')
  const inRepository = existsSync(join(root, 'packages', 'server', 'bin', 'auditseal.js'))
  process.stderr.write(
    inRepository
      ? `auditseal is not built yet: run \`npm run build\` in ${root}\n`
      : `auditseal is not built yet: ${fileURLToPath(cli)} is missing (build the package before installing it)\n`,
  )
  process.exit(2)
}
await import(cli.href)
