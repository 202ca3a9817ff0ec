import { readFileSync } from 'node:fs'

/** Reads a language-neutral vector file from the repository's testdata/ folder. */
export function readTestdata<T>(name: string): T {
  const url = new URL(`../../../../testdata/${name}`, import.meta.url)
  return JSON.parse(readFileSync(url, 'utf8')) as T
}
