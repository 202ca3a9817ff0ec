// One Ed25519 key signs every tenant's log; each tenant's checkpoints are signed under its
// own origin `<log name>/<tenant_id>`, so each tenant has its own verifier key string.

import type { CryptoProvider, Signer, VerifierKey } from '@auditseal/core'
import { deriveSigner, logOrigin, verifierFor, verifierKeyString } from '@auditseal/core'

export class LogKeys {
  private readonly signers = new Map<string, Signer>()

  constructor(
    private readonly crypto: CryptoProvider,
    readonly logName: string,
    private readonly seed: Uint8Array,
  ) {
    logOrigin(logName, '00000000-0000-0000-0000-000000000000') // validates the log name
  }

  origin(tenantId: string): string {
    return logOrigin(this.logName, tenantId)
  }

  signer(tenantId: string): Signer {
    let signer = this.signers.get(tenantId)
    if (!signer) {
      signer = deriveSigner(this.crypto, this.seed, this.origin(tenantId))
      // Bounded: a process serving a very large number of tenants re-derives, never grows.
      if (this.signers.size >= 10_000) this.signers.clear()
      this.signers.set(tenantId, signer)
    }
    return signer
  }

  verifier(tenantId: string): VerifierKey {
    return verifierFor(this.crypto, this.seed, this.origin(tenantId))
  }

  /** The `<origin>+<hex8>+<base64>` string an auditor pins for this tenant's log. */
  verifierKey(tenantId: string): string {
    const key = this.verifier(tenantId)
    return verifierKeyString(key.name, key.keyId, key.publicKey)
  }
}
