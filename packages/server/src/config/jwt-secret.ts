// Development tokens without setup: when neither a secret nor a JWKS URL is configured, the
// server and `auditseal token` share a random HS256 secret kept in `<dataDir>/jwt.secret`
// (mode 0600), made by whichever of them runs first. Production sets AUDITSEAL_JWT_JWKS_URL.

import { randomBytes } from 'node:crypto'
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ConfigError } from './errors.js'
import { deepFreeze } from './freeze.js'
import type { ServerConfig } from './types.js'
import { parseJwtSecret } from './values.js'
import { writeFileOnce } from './write-once.js'

export const JWT_SECRET_FILE = 'jwt.secret'

export interface ResolvedJwtSecret {
  config: ServerConfig
  /** Set when the secret is the generated development one. */
  developmentSecret?: { file: string; created: boolean }
}

/**
 * ensureJwtSecret returns `config` unchanged when it has a secret or a JWKS URL; otherwise it
 * reads (or creates) `<dataDir>/jwt.secret` and returns a config carrying that secret.
 */
export async function ensureJwtSecret(config: ServerConfig): Promise<ResolvedJwtSecret> {
  if (config.jwt.secret !== undefined || config.jwt.jwksUrl !== undefined) return { config }
  const file = join(config.dataDir, JWT_SECRET_FILE)
  let created = false
  let text = await readSecret(file)
  if (text === undefined) {
    await mkdir(config.dataDir, { recursive: true, mode: 0o700 })
    // Never replaces a secret (tokens handed out would stop working); when another process
    // (serve and token started together) made it first, theirs is used.
    created = await writeFileOnce(file, `${randomBytes(32).toString('base64url')}\n`, 0o600)
    text = await readSecret(file)
  }
  const secret = parseJwtSecret({ text: (text ?? '').trim(), from: file })
  return {
    config: deepFreeze({ ...config, jwt: { ...config.jwt, secret } }),
    developmentSecret: { file, created },
  }
}

async function readSecret(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new ConfigError(`cannot read the JWT secret ${file}: ${(error as Error).message}`, {
      cause: error,
    })
  }
}
