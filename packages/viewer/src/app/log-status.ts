// The log's state as this browser sees it, and the consistency check against the checkpoint
// it verified last. Fetching lives here; deciding lives in ../verify.

import { toBase64 } from '@auditseal/core'
import type { Checkpoint } from '@auditseal/core'
import type { ApiClient } from '../api/client.js'
import type { CheckpointEntry, LogInfo } from '../api/types.js'
import { checkLogConsistency, openLatest } from '../verify/consistency.js'
import type { TrustStore, TrustedCheckpoint } from '../verify/trust-store.js'
import type { KeyResolution } from '../verify/verifier-key.js'

export interface LogStatus {
  /** The server's description of the log: its word only. */
  readonly log: LogInfo
  /** The latest checkpoint, opened with the pinned key; `problem` says why it could not be. */
  readonly latest?:
    { readonly checkpoint: Checkpoint; readonly createdAt?: string } | { readonly problem: string }
  readonly trusted?: TrustedCheckpoint
}

export type ConsistencyResult =
  | { readonly ok: true; readonly message: string; readonly trusted: TrustedCheckpoint }
  | { readonly ok: false; readonly message: string }

/**
 * The log as the server describes it, its latest checkpoint as the pinned key verifies it — a
 * size or age the server merely states is never shown as signed — and the checkpoint this
 * browser trusts. The server's date of the checkpoint is not signed: shown as its word.
 */
export async function loadLogStatus(
  api: ApiClient,
  trust: TrustStore,
  key: KeyResolution,
): Promise<LogStatus> {
  const [log, list] = await Promise.all([api.log(), api.checkpoints()])
  const entries: unknown[] = Array.isArray(list.checkpoints) ? list.checkpoints : []
  const newest = entries.filter(isEntry).sort((a, b) => b.tree_size - a.tree_size)[0]
  let latest: LogStatus['latest']
  if (newest !== undefined) {
    const opened = openLatest(newest.note, key.verifier)
    latest = !opened.ok
      ? { problem: opened.reason }
      : opened.checkpoint.size !== newest.tree_size
        ? {
            problem: `the list says ${newest.tree_size} leaves, the signed note ${opened.checkpoint.size}`,
          }
        : { checkpoint: opened.checkpoint, createdAt: newest.created_at }
  }
  const trusted = trust.trustedCheckpoint(key.tenant)
  return { log, ...(latest && { latest }), ...(trusted && { trusted }) }
}

function isEntry(value: unknown): value is CheckpointEntry {
  const v = value as Partial<CheckpointEntry> | null
  return (
    typeof v === 'object' &&
    v !== null &&
    Number.isSafeInteger(v.tree_size) &&
    typeof v.note === 'string' &&
    typeof v.created_at === 'string'
  )
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
    trust.saveTrustedCheckpoint(key.tenant, trusted)
    return trusted
  }
  const previous = trust.trustedCheckpoint(key.tenant)
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
