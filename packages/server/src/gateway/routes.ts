// The device gateway's routes (architecture §5). Handlers are thin: check the caller, call
// the device store, hand the event to the audit sink (which returns at once: the response
// never waits for the audit write) and answer. Failed writes are audited by failure-audit.ts.

import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { uuidv7 } from '@auditseal/core'
import { Type } from 'typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { AuditSink } from '../audit-queue/sink.js'
import { ApiError } from '../http/errors.js'
import {
  bearerSecurity,
  bodyErrorResponses,
  ErrorResponse,
  errorResponses,
} from '../http/schemas/common.js'
import { deviceCreated, deviceDeleted, deviceTarget, deviceUpdated } from './device-events.js'
import type { DeviceStore } from './device-store.js'
import { DuplicateSerialNumberError } from './device-store.js'
import { contextOf } from './event-context.js'
import { failureAudit } from './failure-audit.js'
import { GATEWAY_ROUTE_CONFIG, requireGatewayUser } from './guard.js'
import {
  CreateDeviceBody,
  DeviceList,
  DeviceParams,
  DeviceSchema,
  ListDevicesQuery,
  UpdateDeviceBody,
} from './schemas.js'

export interface GatewayDependencies {
  devices: DeviceStore
  sink: AuditSink
}

const TAGS = ['devices']

export async function deviceRoutes(
  app: FastifyInstance,
  { devices, sink }: GatewayDependencies,
): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>()
  // The id a POST gave its device, so a failure event can name it too.
  const attempted = new WeakMap<FastifyRequest, string>()
  // After the auth plugin's role check, before the body is read: a credential that is not a
  // gateway user learns nothing about the schema, and its body is never parsed.
  const guarded = {
    config: GATEWAY_ROUTE_CONFIG,
    preParsing: async (request: FastifyRequest) => {
      requireGatewayUser(request)
    },
  }
  const pathTarget = (request: FastifyRequest) =>
    deviceTarget(String((request.params as { id?: unknown }).id ?? ''))

  api.post(
    '/devices',
    {
      schema: {
        tags: TAGS,
        summary: 'Create a device (audited: device.created or device.creation_failed)',
        body: CreateDeviceBody,
        security: bearerSecurity,
        response: {
          201: DeviceSchema,
          409: ErrorResponse,
          ...errorResponses,
          ...bodyErrorResponses,
        },
      },
      ...guarded,
      onSend: failureAudit({
        sink,
        operation: 'create',
        target: (request) => deviceTarget(attempted.get(request) ?? uuidv7()),
      }),
    },
    async (request, reply) => {
      const principal = requireGatewayUser(request)
      const id = uuidv7()
      attempted.set(request, id)
      let device
      try {
        device = await devices.create(principal.tenantId, id, request.body)
      } catch (error) {
        throw asConflict(error)
      }
      sink.log(deviceCreated(contextOf(request, principal), device))
      return reply.code(201).send(device)
    },
  )

  api.get(
    '/devices',
    {
      schema: {
        tags: TAGS,
        summary: "List the tenant's devices, oldest first",
        querystring: ListDevicesQuery,
        security: bearerSecurity,
        response: { 200: DeviceList, ...errorResponses },
      },
      ...guarded,
    },
    async (request) => {
      const principal = requireGatewayUser(request)
      const page = await devices.list(principal.tenantId, {
        limit: request.query.limit ?? 50,
        after: request.query.cursor,
      })
      return { devices: page.devices, next_cursor: page.next }
    },
  )

  api.get(
    '/devices/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'One device',
        params: DeviceParams,
        security: bearerSecurity,
        response: { 200: DeviceSchema, ...errorResponses },
      },
      ...guarded,
    },
    async (request) => {
      const principal = requireGatewayUser(request)
      const id = request.params.id
      const device = await devices.get(principal.tenantId, id)
      if (!device) throw new ApiError('not_found', `no device ${id}`)
      return device
    },
  )

  api.patch(
    '/devices/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'Change a device (audited: device.updated with data.changes)',
        params: DeviceParams,
        body: UpdateDeviceBody,
        security: bearerSecurity,
        response: {
          200: DeviceSchema,
          409: ErrorResponse,
          ...errorResponses,
          ...bodyErrorResponses,
        },
      },
      ...guarded,
      onSend: failureAudit({ sink, operation: 'update', target: pathTarget }),
    },
    async (request) => {
      const principal = requireGatewayUser(request)
      const id = request.params.id
      let result
      try {
        result = await devices.update(principal.tenantId, id, request.body)
      } catch (error) {
        throw asConflict(error)
      }
      if (!result) throw new ApiError('not_found', `no device ${id}`)
      sink.log(deviceUpdated(contextOf(request, principal), result.before, result.after))
      return result.after
    },
  )

  api.delete(
    '/devices/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'Delete a device (audited: device.deleted)',
        params: DeviceParams,
        security: bearerSecurity,
        response: { 204: Type.Null({ description: 'deleted; no body' }), ...errorResponses },
      },
      ...guarded,
      onSend: failureAudit({ sink, operation: 'delete', target: pathTarget }),
    },
    async (request, reply) => {
      const principal = requireGatewayUser(request)
      const id = request.params.id
      const device = await devices.delete(principal.tenantId, id)
      if (!device) throw new ApiError('not_found', `no device ${id}`)
      sink.log(deviceDeleted(contextOf(request, principal), device))
      return reply.code(204).send(null)
    },
  )
}

/** 409 conflict for a serial number the tenant already uses; any other error as it is. */
function asConflict(error: unknown): unknown {
  return error instanceof DuplicateSerialNumberError
    ? new ApiError('conflict', error.message, { cause: error })
    : error
}
