// For a server that hosts the sealer itself (the gateway in `auditseal serve`): batches go to
// a seal function instead of over HTTP, with the same spool, retries and dead-lettering in
// front of it. There is no credential to take the tenant from, so every event names its own
// (or the logger's default tenantId); a batch of several tenants is sealed one tenant at a time.

import type { AuditEvent } from '@auditseal/core'
import { errorMessage } from '../errors.js'
import { ABORTED, unlessAborted } from './abort.js'
import type { Acknowledgement, EventRefusal, OutboundEvent, Transport } from './types.js'

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
   * so the batch is bisected down to the bad event, which is dead-lettered: a seal of that
   * event alone that fails so names it) rather than transient. Default: errors whose `code` is
   * INVALID_EVENT or BATCH_TOO_LARGE (the core's and the server's codes), or that carry
   * statusCode 400. TENANT_MISMATCH is never about an event (each is sealed with its own
   * tenant): a seal function bound to another tenant is a configuration error, retried and
   * reported whatever this says.
   */
  isRejection?: (error: unknown) => boolean
  /** Most events per seal call (default 1000, as over HTTP). */
  maxBatch?: number
}

const REJECTION_CODES = new Set(['INVALID_EVENT', 'BATCH_TOO_LARGE'])

function defaultIsRejection(error: unknown): boolean {
  const code = codeOf(error)
  const { statusCode } = (error ?? {}) as { statusCode?: unknown }
  return (code !== undefined && REJECTION_CODES.has(code)) || statusCode === 400
}

function codeOf(error: unknown): string | undefined {
  const { code } = (error ?? {}) as { code?: unknown }
  return typeof code === 'string' ? code : undefined
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
        const message = `unreadable event: ${errorMessage(error)}`
        return { kind: 'rejected', message, invalid: alone(events, message) }
      }
      const acks: Acknowledgement[] = new Array(events.length)
      try {
        for (const [tenantId, group] of byTenant) {
          if (signal.aborted) return { kind: 'retry', message: 'stopped' }
          // A seal that does not end must not hold close() up: given up on when it aborts.
          const sealed = await unlessAborted(seal(tenantId, group.events), signal)
          if (sealed === ABORTED) return { kind: 'retry', message: 'stopped while sealing' }
          const problem = mismatch(sealed, group.events)
          if (problem !== undefined) return { kind: 'retry', message: problem }
          sealed.forEach(
            (result, i) => (acks[group.indexes[i] as number] = acknowledgement(result)),
          )
        }
      } catch (error) {
        // Groups sealed before the failure are sealed: sent again, they come back `duplicate`.
        const message = `seal failed: ${errorMessage(error)}`
        if (codeOf(error) === 'TENANT_MISMATCH') {
          return {
            kind: 'retry',
            message: `${message} (the seal function does not seal into the tenant it is given: a configuration error; events stay spooled until it is fixed)`,
          }
        }
        if (!isRejection(error)) return { kind: 'retry', message }
        return { kind: 'rejected', message, invalid: alone(events, message) }
      }
      return { kind: 'acknowledged', acks }
    },
  }
}

/** A batch of one event that is refused names that event; a larger one is bisected. */
function alone(events: readonly OutboundEvent[], message: string): EventRefusal[] | undefined {
  return events.length === 1 ? [{ index: 0, message }] : undefined
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
