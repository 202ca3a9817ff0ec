// The viewer's static files: served at `/` with headers that forbid framing by any site.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerViewer, viewerContentSecurityPolicy } from '../../src/server/viewer.js'

// The <meta> exactly as Vite writes it into the built index.html (quotes as &#39;).
const INDEX_HTML = `<!doctype html>
<html lang="en">
  <head>
    <meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; script-src &#39;self&#39;; img-src &#39;self&#39; data:">
    <meta charset="utf-8" />
    <script type="module" crossorigin src="./assets/index-abc.js"></script>
  </head>
  <body><div id="app"></div></body>
</html>
`
const PAGE_POLICY = "default-src 'none'; script-src 'self'; img-src 'self' data:"

describe('registerViewer', () => {
  let dir: string
  let app: FastifyInstance

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'auditseal-viewer-dist-'))
    await mkdir(join(dir, 'assets'))
    await writeFile(join(dir, 'index.html'), INDEX_HTML)
    await writeFile(join(dir, 'assets', 'index-abc.js'), 'export {}\n')
    app = Fastify()
    expect(await registerViewer(app, dir)).toBe(true)
    await app.ready()
  })
  afterAll(async () => {
    await app?.close()
    await rm(dir, { recursive: true, force: true })
  })

  it.each(['/', '/index.html', '/?type=device.*&event=x'])(
    'serves %s with X-Frame-Options DENY and the page policy plus frame-ancestors none',
    async (url) => {
      const response = await app.inject({ method: 'GET', url })
      expect(response.statusCode).toBe(200)
      expect(response.body).toContain('<div id="app">')
      expect(response.headers['x-frame-options']).toBe('DENY')
      expect(response.headers['content-security-policy']).toBe(
        `${PAGE_POLICY}; frame-ancestors 'none'`,
      )
    },
  )

  it('sends the same headers with the immutable hashed assets', async () => {
    const response = await app.inject({ method: 'GET', url: '/assets/index-abc.js' })
    expect(response.statusCode).toBe(200)
    expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect(response.headers['x-frame-options']).toBe('DENY')
    expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'")
  })
})

describe('viewerContentSecurityPolicy', () => {
  it('forbids framing even when the page carries no policy of its own', () => {
    expect(viewerContentSecurityPolicy('<html><head><meta charset="utf-8"></head></html>')).toBe(
      "frame-ancestors 'none'",
    )
  })

  it("reads single-quoted attributes and entities, and drops the page policy's trailing ;", () => {
    const html = `<META content='default-src &apos;self&#x27;; ' HTTP-EQUIV='content-security-policy'>`
    expect(viewerContentSecurityPolicy(html)).toBe("default-src 'self'; frame-ancestors 'none'")
  })
})
