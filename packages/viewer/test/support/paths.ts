import { fileURLToPath } from 'node:url'

const at = (path: string) => fileURLToPath(new URL(`../../../../${path}`, import.meta.url))

/** The built command line the end-to-end tests run, as a user would. */
export const CLI = at('packages/server/dist/cli.js')
/** The built viewer that `auditseal serve` serves at `/`. */
export const VIEWER_INDEX = at('packages/viewer/dist/index.html')
/** Where screenshots go for a person to look at (gitignored). */
export const SCREENSHOTS = at('test-output/viewer')
