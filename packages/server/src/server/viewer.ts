// The viewer (packages/viewer, built by Vite into its dist/) is served at `/` when it is
// installed and built. Its location is resolved from the installed package, so it works from
// the workspace and from node_modules alike; without it the server simply has no page at `/`.

import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, sep } from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'

/** The viewer's built files, or undefined when it is not installed or not built. */
export function viewerDistDir(): string | undefined {
  try {
    const manifest = createRequire(import.meta.url).resolve('@auditseal/viewer/package.json')
    const dist = join(dirname(manifest), 'dist')
    return existsSync(join(dist, 'index.html')) ? dist : undefined
  } catch {
    return undefined
  }
}

/** Serves `dir` at `/`; returns whether it did. */
export async function registerViewer(
  app: FastifyInstance,
  dir = viewerDistDir(),
): Promise<boolean> {
  if (dir === undefined) return false
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/',
    index: 'index.html',
    // Vite's hashed assets never change under one name; index.html must be revalidated.
    cacheControl: true,
    maxAge: 0,
    setHeaders(reply, path) {
      if (path.includes(`${sep}assets${sep}`)) {
        reply.header('cache-control', 'public, max-age=31536000, immutable')
      }
    },
  })
  return true
}
