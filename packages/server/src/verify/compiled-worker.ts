// Worker threads run compiled JavaScript. From dist that is the file beside this one; run from
// source (tsx, Vitest) it is the package's dist, if that is not older than the sources the
// worker runs — else there is no worker, and the caller does the work on its own thread.

import { existsSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/**
 * The compiled worker `name` (a module of src/verify), or undefined when running from source
 * and its dist is missing or older than it or any of `modules` (paths under src/verify).
 */
export function compiledWorker(name: string, modules: readonly string[]): URL | undefined {
  if (fileURLToPath(import.meta.url).endsWith('.js'))
    return new URL(`./${name}.js`, import.meta.url)
  for (const module of [name, ...modules]) {
    const srcPath = fileURLToPath(new URL(`./${module}.ts`, import.meta.url))
    const distPath = fileURLToPath(new URL(`../../dist/verify/${module}.js`, import.meta.url))
    if (!existsSync(distPath) || statSync(distPath).mtimeMs < statSync(srcPath).mtimeMs) {
      return undefined
    }
  }
  return new URL(`../../dist/verify/${name}.js`, import.meta.url)
}
