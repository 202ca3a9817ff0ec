// The log's state as this browser sees it, and the consistency check against the checkpoint
// it verified last. Fetching lives here; deciding lives in ../verify.

import { toBase64 } from '@auditseal/core'
import type { ApiClient } from '../api/client.js'
import type { CheckpointEntry, LogInfo } from '../api/types.js'
import { checkLogConsistency, openLatest } from '../verify/consistency.js'
import type { TrustStore, TrustedCheckpoint } from '../verify/trust-store.js'
import type { KeyResolution } from '../verify/verifier-key.js'

export interface LogStatus {
  readonly log: LogInfo
  readonly latest?: CheckpointEntry
  readonly trusted?: TrustedCheckpoint
}

export type ConsistencyResult =
  | { readonly ok: true; readonly message: string; readonly trusted: TrustedCheckpoint }
  | { readonly ok: false; readonly message: string }

export async function loadLogStatus(
  api: ApiClient,
  trust: TrustStore,
  origin: string,
): Promise<LogStatus> {
  const [log, list] = await Promise.all([api.log(), api.checkpoints()])
  const latest = [...list.checkpoints].sort((a, b) => b.tree_size - a.tree_size)[0]
  const trusted = trust.trustedCheckpoint(origin)
  return { log, ...(latest && { latest }), ...(trusted && { trusted }) }
}

/**
 * Checks the latest checkpoint against the trusted one and, when it holds, trusts the latest.
 * With no trusted checkpoint yet, the latest (signature verified) becomes the first.
 */
export async function checkConsistency(
  api: ApiClient,
  trust: TrustStore,
  key: KeyResolution,
  now = new Date(),
): Promise<ConsistencyResult> {
  const note = await api.latestCheckpoint()
  const opened = openLatest(note, key.verifier)
  if (!opened.ok) return { ok: false, message: opened.reason }
  const latest = opened.checkpoint
  const save = (): TrustedCheckpoint => {
    const trusted = {
      size: latest.size,
      rootHash: toBase64(latest.rootHash),
      note,
      verifiedAt: now.toISOString(),
    }
    trust.saveTrustedCheckpoint(key.origin, trusted)
    return trusted
  }
  const previous = trust.trustedCheckpoint(key.origin)
  if (previous === undefined) {
    return {
      ok: true,
      message: `No earlier checkpoint in this browser: trusting the signed checkpoint of ${latest.size} leaves from now on.`,
      trusted: save(),
    }
  }
  const proof =
    latest.size > previous.size && previous.size > 0
      ? (await api.consistencyProof(previous.size, latest.size)).proof
      : []
  const outcome = checkLogConsistency(previous, latest, Array.isArray(proof) ? proof : [])
  if (!outcome.ok) return { ok: false, message: `Not consistent: ${outcome.reason}` }
  return { ok: true, message: `Consistent: ${outcome.detail}.`, trusted: save() }
}
