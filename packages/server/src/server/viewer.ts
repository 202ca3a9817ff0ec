// The viewer (packages/viewer, built by Vite into its dist/) is served at `/` when it is
// installed and built. Its location is resolved from the installed package, so it works from
// the workspace and from node_modules alike; without it the server simply has no page at `/`.
//
// Its pages may not be framed by another site (clickjacking a "Trust the new key" click):
// every response carries `X-Frame-Options: DENY` and a `Content-Security-Policy` header with
// `frame-ancestors 'none'`, which a <meta> policy cannot set. The header repeats the policy
// the built index.html carries in its <meta>, so the two cannot drift apart.

import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join, sep } from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'

/** Added to the page's own policy: no site, this one included, may frame the viewer. */
const FRAME_ANCESTORS = "frame-ancestors 'none'"

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
  // Without an index.html there is no page to protect beyond the frame rule.
  const index = await readFile(join(dir, 'index.html'), 'utf8').catch(() => '')
  const policy = viewerContentSecurityPolicy(index)
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/',
    index: 'index.html',
    // Vite's hashed assets never change under one name; index.html must be revalidated.
    cacheControl: true,
    maxAge: 0,
    setHeaders(reply, path) {
      reply.header('content-security-policy', policy)
      reply.header('x-frame-options', 'DENY')
      if (path.includes(`${sep}assets${sep}`)) {
        reply.header('cache-control', 'public, max-age=31536000, immutable')
      }
    },
  })
  return true
}

/**
 * viewerContentSecurityPolicy returns the policy of the page's
 * `<meta http-equiv="Content-Security-Policy">` (none: nothing but the frame rule) with
 * `frame-ancestors 'none'` added, for the response header.
 */
export function viewerContentSecurityPolicy(indexHtml: string): string {
  const own = metaPolicy(indexHtml)?.replace(/[\s;]+$/, '')
  return own ? `${own}; ${FRAME_ANCESTORS}` : FRAME_ANCESTORS
}

/** The content of the first CSP <meta> of `html`, entities decoded. */
function metaPolicy(html: string): string | undefined {
  for (const [tag] of html.matchAll(/<meta\b[^>]*>/gi)) {
    const attrs = new Map<string, string>()
    for (const [, name, doubled, single] of tag.matchAll(
      /([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g,
    )) {
      attrs.set((name as string).toLowerCase(), decodeEntities(doubled ?? single ?? ''))
    }
    if (attrs.get('http-equiv')?.toLowerCase() === 'content-security-policy') {
      return attrs.get('content')
    }
  }
  return undefined
}

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  quot: '"',
  apos: "'",
  lt: '<',
  gt: '>',
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity, body: string) => {
    if (body[0] !== '#') return NAMED_ENTITIES[body.toLowerCase()] ?? entity
    const code =
      body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : Number(body.slice(1))
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : entity
  })
}
