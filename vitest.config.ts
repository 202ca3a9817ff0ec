import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const src = (pkg: string) =>
  fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url))

export default defineConfig({
  resolve: {
    // Tests run against the sources, so no build step stands between an edit and its test.
    alias: {
      '@auditseal/core': src('core'),
      '@auditseal/server': src('server'),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'bench/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // expect.poll gives up after 1 s by default: too soon for a page load and two fetches on a
    // busy two-CPU machine. A poll that succeeds returns at once, so a long limit costs nothing.
    expect: { poll: { timeout: 15_000 } },
  },
})
