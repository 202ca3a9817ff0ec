import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { encodePrivateKey, generateSigningKey, logOrigin, verifierKeyString } from '@auditseal/core'
import { ConfigError } from '../config/errors.js'
import { nodeCrypto } from '../crypto/node-crypto.js'

export interface KeygenOptions {
  name: string
  out?: string
  print?: (line: string) => void
}

/**
 * `auditseal keygen --name NAME [--out FILE]`: a new Ed25519 signing key for the log NAME.
 * The private key goes to FILE (mode 0600, never overwritten) or, without --out, to standard
 * output; the verifier key of the key itself is printed, and each tenant's log has its own
 * verifier key derived from it (shown by `auditseal serve`).
 */
export async function runKeygen(options: KeygenOptions): Promise<void> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`))
  logOrigin(options.name, '00000000-0000-0000-0000-000000000000') // validates the log name
  const key = generateSigningKey(nodeCrypto, options.name, randomBytes(32))
  const privateKey = encodePrivateKey(key)
  if (options.out) {
    await writeKeyFile(options.out, privateKey)
    print(`signing key written to ${options.out} (mode 0600)`)
  } else {
    print(privateKey)
  }
  print(`verifier key: ${verifierKeyString(key.name, key.keyId, key.publicKey)}`)
}

/**
 * Creates `file` with the key, mode 0600, failing if it exists ('wx'): the file may be a key
 * whose verifier keys auditors have pinned, and replacing it would make them worthless.
 */
async function writeKeyFile(file: string, privateKey: string): Promise<void> {
  try {
    await writeFile(file, `${privateKey}\n`, { mode: 0o600, flag: 'wx' })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new ConfigError(
        `--out: ${file} exists already; keygen never overwrites a key ` +
          '(choose another file or delete it)',
        { cause: error },
      )
    }
    // A missing folder, no permission, a read-only disk: said with the flag, not a stack.
    throw new ConfigError(`--out: cannot write ${file}: ${(error as Error).message}`, {
      cause: error,
    })
  }
}
