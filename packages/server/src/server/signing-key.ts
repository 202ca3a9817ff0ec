// The one Ed25519 key that signs every tenant's checkpoints. It lives in a file, never in the
// database (§3): `<dataDir>/signing.key` by default, in the PRIVATE+KEY format of Go's
// golang.org/x/mod/sumdb/note, mode 0600. It is created on first start and never overwritten:
// a new key would make every verifier key that auditors pinned useless.

import { randomBytes } from 'node:crypto'
import { mkdir, readFile, stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { SigningKey } from '@auditseal/core'
import { encodePrivateKey, generateSigningKey, parsePrivateKey } from '@auditseal/core'
import { ConfigError } from '../config/errors.js'
import { writeFileOnce } from '../config/write-once.js'
import { nodeCrypto } from '../crypto/node-crypto.js'

export interface LoadedSigningKey {
  key: SigningKey
  file: string
  created: boolean
  /** Set when the file can be read by others than its owner. */
  warning?: string
}

export interface SigningKeyOptions {
  /**
   * Whether the log already holds events. A key is created only for a log that holds none: a
   * missing key file on a log with events is a mount that failed or a path mistyped, and a new
   * key would sign checkpoints no pinned verifier key accepts — for good, as they cannot be
   * deleted from the log.
   */
  logHoldsEvents: boolean
}

/**
 * Reads the signing key in `file`, or creates it there for `logName` when the log is new.
 * Refuses a key made for another log name: the origins, and so every tenant's verifier key,
 * would silently change.
 */
export async function loadOrCreateSigningKey(
  file: string,
  logName: string,
  options: SigningKeyOptions,
): Promise<LoadedSigningKey> {
  let text = await readKeyFile(file)
  let created = false
  if (text === undefined) {
    if (options.logHoldsEvents) {
      throw new ConfigError(
        `signing key ${file} does not exist, but the log already holds events, signed with a ` +
          'key: a new key would sign checkpoints that no verifier key pinned so far accepts. ' +
          'Restore the key file, or give its path (--signing-key-file, AUDITSEAL_SIGNING_KEY_FILE)',
      )
    }
    await mkdir(dirname(file), { recursive: true, mode: 0o700 })
    const key = generateSigningKey(nodeCrypto, logName, randomBytes(32))
    created = await writeFileOnce(file, `${encodePrivateKey(key)}\n`, 0o600)
    text = (await readKeyFile(file)) ?? ''
  }
  let key: SigningKey
  try {
    key = parsePrivateKey(nodeCrypto, text.trim())
  } catch (error) {
    throw new ConfigError(`signing key ${file} is not a valid key: ${(error as Error).message}`, {
      cause: error,
    })
  }
  if (key.name !== logName) {
    throw new ConfigError(
      `signing key ${file} was made for log name "${key.name}", but the log name is ` +
        `"${logName}": start with --log-name ${key.name}, or use another key file`,
    )
  }
  const mode = (await stat(file)).mode & 0o777
  const warning =
    (mode & 0o077) !== 0
      ? `signing key ${file} has mode ${mode.toString(8)}; run chmod 600 on it`
      : undefined
  return { key, file, created, ...(warning && { warning }) }
}

async function readKeyFile(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new ConfigError(`cannot read signing key ${file}: ${(error as Error).message}`, {
      cause: error,
    })
  }
}
