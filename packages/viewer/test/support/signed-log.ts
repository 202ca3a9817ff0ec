// A three-event log built with the core, signed like the server signs: the fixture of the
// verifier's unit tests.

import {
  canonicalJson,
  deriveSigner,
  logOrigin,
  nobleCrypto,
  signCheckpoint,
  toBase64,
  utf8,
  verifierFor,
  createTreeHasher,
} from '@auditseal/core'
import type { AuditEvent, VerifierKey } from '@auditseal/core'

export const TENANT = '3f2c1b8e-9d4a-4c6e-8f10-2a3b4c5d6e7f'
export const ORIGIN = logOrigin('auditseal.test', TENANT)
const SEED = new Uint8Array(32).fill(7)

export interface SignedLog {
  /** The events as the API returns them: members plus seq and leaf_hash. */
  events: Record<string, unknown>[]
  /** The proof response of event `seq`, as `GET /v1/events/{id}/proof` returns it. */
  proof(seq: number): {
    seq: number
    leaf_hash: string
    tree_size: number
    proof: string[]
    checkpoint: string
  }
  verifier: VerifierKey
  /** The signed checkpoint of the first `size` leaves. */
  checkpoint(size: number): string
  root(size: number): Uint8Array
}

function event(n: number): AuditEvent {
  return {
    v: 1,
    id: `0190163d-8694-739b-aea5-966c26f8ad9${n}`,
    tenant_id: TENANT,
    type: n === 1 ? 'device.updated' : 'device.created',
    outcome: 'success',
    occurred_at: `2024-06-12T08:30:0${n}.123Z`,
    recorded_at: `2024-06-12T08:30:0${n}.250Z`,
    actor: { type: 'user', id: 'ada' },
    target: { type: 'device', id: `SN-${n}` },
    ...(n === 1 && { data: { changes: { name: { from: 'Lobby', to: 'Hall' } } } }),
  }
}

export function signedLog(): SignedLog {
  const hasher = createTreeHasher(nobleCrypto)
  const members = [0, 1, 2].map(event)
  const leaves = members.map((e) => hasher.leafHash(utf8(canonicalJson(e))))
  const [l0, l1, l2] = leaves as [Uint8Array, Uint8Array, Uint8Array]
  // RFC 6962 trees of 1, 2 and 3 leaves, and the inclusion paths in the tree of 3.
  const roots = [l0, hasher.nodeHash(l0, l1), hasher.nodeHash(hasher.nodeHash(l0, l1), l2)]
  const paths = [[l1, l2], [l0, l2], [hasher.nodeHash(l0, l1)]]
  const signer = deriveSigner(nobleCrypto, SEED, ORIGIN)
  const root = (size: number) => roots[size - 1] as Uint8Array
  const checkpoint = (size: number) =>
    signCheckpoint(signer, { origin: ORIGIN, size, rootHash: root(size) })
  return {
    events: members.map((e, seq) => ({
      ...e,
      seq,
      leaf_hash: toBase64(leaves[seq] as Uint8Array),
    })),
    proof: (seq) => ({
      seq,
      leaf_hash: toBase64(leaves[seq] as Uint8Array),
      tree_size: 3,
      proof: (paths[seq] as Uint8Array[]).map(toBase64),
      checkpoint: checkpoint(3),
    }),
    verifier: verifierFor(nobleCrypto, SEED, ORIGIN),
    checkpoint,
    root,
  }
}
