// checkLogConsistency: is the log's latest checkpoint an append-only extension of the one
// this browser last verified? Pure: the caller fetches, this decides.
//
//   1. the latest checkpoint is signed by the pinned key (openCheckpoint)
//   2. it is no smaller than the trusted one
//   3. RFC 9162 §2.1.4.2: the consistency proof links the trusted root to the latest root

import {
  constantTimeEqual,
  fromBase64,
  openCheckpoint,
  toBase64,
  verifyConsistency,
} from '@auditseal/core'
import type { Checkpoint, VerifierKey } from '@auditseal/core'
import { crypto, hasher } from './hasher.js'
import { reasonOf } from './steps.js'
import type { TrustedCheckpoint } from './trust-store.js'

export type ConsistencyOutcome =
  | {
      readonly ok: true
      readonly latest: Checkpoint
      readonly from?: number
      readonly detail: string
    }
  | { readonly ok: false; readonly reason: string }

/** Opens the latest checkpoint with the pinned key, or says why it cannot be trusted. */
export function openLatest(
  note: string,
  verifier: VerifierKey,
): { ok: true; checkpoint: Checkpoint } | { ok: false; reason: string } {
  try {
    return { ok: true, checkpoint: openCheckpoint(crypto, note, verifier).checkpoint }
  } catch (error) {
    return {
      ok: false,
      reason: `the latest checkpoint is not signed by the pinned key: ${reasonOf(error)}`,
    }
  }
}

/**
 * Checks `latest` against `trusted` with `proof` (base64 hashes from
 * `GET /v1/proofs/consistency?from=trusted.size&to=latest.size`; empty for equal sizes).
 */
export function checkLogConsistency(
  trusted: TrustedCheckpoint,
  latest: Checkpoint,
  proof: readonly unknown[],
): ConsistencyOutcome {
  if (latest.size < trusted.size) {
    return {
      ok: false,
      reason: `the log shrank: it signed ${latest.size} leaves after ${trusted.size}`,
    }
  }
  const trustedRoot = fromBase64(trusted.rootHash)
  if (trustedRoot === undefined || trustedRoot.length !== 32) {
    return { ok: false, reason: 'the stored checkpoint is damaged; forget it and start again' }
  }
  const hashes: Uint8Array[] = []
  for (const [i, hash] of proof.entries()) {
    const bytes = typeof hash === 'string' ? fromBase64(hash) : undefined
    if (bytes === undefined) return { ok: false, reason: `proof[${i}] is not base64` }
    hashes.push(bytes)
  }
  try {
    verifyConsistency(hasher, trusted.size, latest.size, hashes, trustedRoot, latest.rootHash)
  } catch (error) {
    return {
      ok: false,
      reason: `tree ${trusted.size} (${trusted.rootHash}) is not a prefix of tree ${latest.size} (${toBase64(latest.rootHash)}): ${reasonOf(error)}`,
    }
  }
  const detail =
    latest.size === trusted.size
      ? `unchanged at ${latest.size} leaves`
      : `tree ${trusted.size} → ${latest.size}: append-only (${hashes.length} proof hash${hashes.length === 1 ? '' : 'es'})`
  return { ok: true, latest, from: trusted.size, detail }
}

/**
 * Whether `checkpoint` — the one an event's proof led to — and `trusted` — the one this browser
 * verified before — can both be signed states of one append-only log: equal roots at equal
 * sizes, else a consistency proof from the smaller to the larger (`proof`, base64 hashes of
 * `GET /v1/proofs/consistency`). A server holds its signing key: it can sign a forked tree
 * with a tampered event, and only a checkpoint seen before shows the fork.
 */
export function checkAgainstTrusted(
  trusted: TrustedCheckpoint,
  checkpoint: Checkpoint,
  proof: readonly unknown[],
  seq: number,
): { ok: true; detail: string } | { ok: false; reason: string } {
  const trustedRoot = fromBase64(trusted.rootHash)
  if (
    trustedRoot === undefined ||
    trustedRoot.length !== 32 ||
    (trusted.size === 0 && !constantTimeEqual(trustedRoot, hasher.emptyRoot()))
  ) {
    return {
      ok: false,
      reason:
        'the checkpoint stored in this browser is damaged; clear this site’s data to start again',
    }
  }
  if (checkpoint.size === trusted.size) {
    return constantTimeEqual(trustedRoot, checkpoint.rootHash)
      ? { ok: true, detail: `the trusted checkpoint of ${trusted.size} leaves itself` }
      : {
          ok: false,
          reason: `two signed roots for tree size ${trusted.size}: ${toBase64(checkpoint.rootHash)} here, ${trusted.rootHash} trusted in this browser — the log was forked or rewritten`,
        }
  }
  const hashes: Uint8Array[] = []
  for (const [i, hash] of proof.entries()) {
    const bytes = typeof hash === 'string' ? fromBase64(hash) : undefined
    if (bytes === undefined) return { ok: false, reason: `consistency proof[${i}] is not base64` }
    hashes.push(bytes)
  }
  const [small, large] =
    checkpoint.size < trusted.size
      ? [
          { size: checkpoint.size, root: checkpoint.rootHash },
          { size: trusted.size, root: trustedRoot },
        ]
      : [
          { size: trusted.size, root: trustedRoot },
          { size: checkpoint.size, root: checkpoint.rootHash },
        ]
  try {
    // The empty tree is a prefix of every tree.
    if (small.size > 0) {
      verifyConsistency(hasher, small.size, large.size, hashes, small.root, large.root)
    }
  } catch (error) {
    return {
      ok: false,
      reason: `the checkpoint of ${checkpoint.size} leaves is not consistent with the one of ${trusted.size} this browser trusts — the log was forked or rewritten: ${reasonOf(error)}`,
    }
  }
  // An event past the trusted size was appended after it: in the log, but nothing signed before
  // vouches that it is what was first recorded under its id (auditseal verify reads the whole
  // log for that).
  const appended =
    seq >= trusted.size
      ? `; the event (seq ${seq}) was appended after the trusted checkpoint of ${trusted.size} leaves`
      : ''
  return {
    ok: true,
    detail: `tree ${small.size} → ${large.size}: append-only, with the trusted checkpoint of ${trusted.size} leaves${appended}`,
  }
}
