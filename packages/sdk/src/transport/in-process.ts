// For a server that hosts the sealer itself (the gateway in `auditseal serve`): batches go to
// a seal function instead of over HTTP, with the same spool, retries and dead-lettering in
// front of it. There is no credential to take the tenant from, so every event names its own
// (or the logger's default tenantId); a batch of several tenants is sealed one tenant at a time.

import type { AuditEvent } from '@auditseal/core'
import { errorMessage } from '../errors.js'
import type { Acknowledgement, OutboundEvent, Transport } from './types.js'

/** What a sealer returns per event, e.g. @auditseal/server's SealedEvent. */
export interface SealedEventLike {
  id: string
  seq: number
  /** The leaf hash as bytes (the server's SealedEvent) … */
  leafHash?: Uint8Array
  /** … or already as standard base64. */
  leaf_hash?: string
  status: 'created' | 'duplicate'
}

/** Seals validated events of one tenant, all or nothing; resolves one result per event, in order. */
export type SealFunction = (
  tenantId: string,
  events: AuditEvent[],
) => Promise<readonly SealedEventLike[]>

export interface InProcessTransportOptions {
  /**
   * Whether a seal failure is about the events themselves (sending them again will fail again,
   * so the batch is bisected down to the bad event, which is dead-lettered) rather than
   * transient. Default: errors whose `code` is INVALID_EVENT, TENANT_MISMATCH or
   * BATCH_TOO_LARGE (the core's and the server's codes), or that carry statusCode 400.
   */
  isRejection?: (error: unknown) => boolean
  /** Most events per seal call (default 1000, as over HTTP). */
  maxBatch?: number
}

const REJECTION_CODES = new Set(['INVALID_EVENT', 'TENANT_MISMATCH', 'BATCH_TOO_LARGE'])

function defaultIsRejection(error: unknown): boolean {
  const { code, statusCode } = (error ?? {}) as { code?: unknown; statusCode?: unknown }
  return (typeof code === 'string' && REJECTION_CODES.has(code)) || statusCode === 400
}

export function createInProcessTransport(
  seal: SealFunction,
  options: InProcessTransportOptions = {},
): Transport {
  const isRejection = options.isRejection ?? defaultIsRejection
  return {
    name: 'in-process',
    requiresTenant: true,
    maxBatch: options.maxBatch ?? 1000,
    async send(events, signal) {
      let byTenant: Map<string, TenantGroup>
      try {
        byTenant = groupByTenant(events)
      } catch (error) {
        // Not JSON: no sealer will take it (it cannot happen to a record that passed its checksum).
        return { kind: 'rejected', message: `unreadable event: ${errorMessage(error)}` }
      }
      const acks: Acknowledgement[] = new Array(events.length)
      try {
        for (const [tenantId, group] of byTenant) {
          if (signal.aborted) return { kind: 'retry', message: 'stopped' }
          const sealed = await seal(tenantId, group.events)
          const problem = mismatch(sealed, group.events)
          if (problem !== undefined) return { kind: 'retry', message: problem }
          sealed.forEach(
            (result, i) => (acks[group.indexes[i] as number] = acknowledgement(result)),
          )
        }
      } catch (error) {
        // Groups sealed before the failure are sealed: sent again, they come back `duplicate`.
        const message = `seal failed: ${errorMessage(error)}`
        return isRejection(error) ? { kind: 'rejected', message } : { kind: 'retry', message }
      }
      return { kind: 'acknowledged', acks }
    },
  }
}

/** One tenant's events of a batch, and where each sits in the batch. */
interface TenantGroup {
  events: AuditEvent[]
  indexes: number[]
}

/** Parses the spooled events and groups them by tenant, keeping their order within each. */
function groupByTenant(events: readonly OutboundEvent[]): Map<string, TenantGroup> {
  const groups = new Map<string, TenantGroup>()
  events.forEach(({ payload }, index) => {
    const event = JSON.parse(payload.toString('utf8')) as AuditEvent
    const group = groups.get(event.tenant_id)
    if (group) {
      group.events.push(event)
      group.indexes.push(index)
    } else {
      groups.set(event.tenant_id, { events: [event], indexes: [index] })
    }
  })
  return groups
}

/** Why the seal function's results do not answer the events one by one, if they do not. */
function mismatch(
  sealed: readonly SealedEventLike[],
  events: readonly AuditEvent[],
): string | undefined {
  if (sealed.length !== events.length) {
    return `the seal function returned ${sealed.length} results for ${events.length} events`
  }
  const at = sealed.findIndex((result, i) => result.id !== events[i]?.id)
  if (at >= 0)
    return `the seal function's result ${at} is for ${sealed[at]?.id}, not ${events[at]?.id}`
  return undefined
}

function acknowledgement(result: SealedEventLike): Acknowledgement {
  const leafHash =
    result.leaf_hash ?? (result.leafHash ? Buffer.from(result.leafHash).toString('base64') : '')
  return { id: result.id, seq: result.seq, leaf_hash: leafHash, status: result.status }
}
