import { defineConfig, loadEnv } from 'vite'
import type { Plugin } from 'vite'

// The built page may talk to its own origin only: no CDN, no fonts, no analytics. The policy
// is added to the built index.html only, since the dev server injects inline scripts.
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ')

function contentSecurityPolicy(): Plugin {
  return {
    name: 'auditseal-content-security-policy',
    apply: 'build',
    transformIndexHtml: () => [
      {
        tag: 'meta',
        attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY },
        injectTo: 'head-prepend',
      },
    ],
  }
}

export default defineConfig(({ mode }) => {
  // `vite dev` forwards the API to a running `auditseal serve` (AUDITSEAL_API, default :3000).
  const api = loadEnv(mode, '.', 'AUDITSEAL_').AUDITSEAL_API ?? 'http://127.0.0.1:3000'
  return {
    base: './',
    plugins: [contentSecurityPolicy()],
    build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, target: 'es2022' },
    server: { proxy: { '/v1': api, '/devices': api, '/healthz': api } },
  }
})
