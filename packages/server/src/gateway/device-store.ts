// The devices table (migration 0008). Every statement runs as the writer role in a transaction
// scoped to one tenant, on the write database: the gateway reads its own writes, and an
// update reads the row it changes under a lock so `data.changes` says exactly what changed.

import type { Database, Sql } from '../db/database.js'

/** A device as stored and as the API returns it. */
export interface Device {
  id: string
  serial_number: string
  name: string | null
  model: string | null
  created_at: string
  updated_at: string
}

/** The fields a client may set. */
export const DEVICE_FIELDS = ['serial_number', 'name', 'model'] as const
export type DeviceField = (typeof DEVICE_FIELDS)[number]

export interface NewDevice {
  serial_number: string
  name?: string | null
  model?: string | null
}

export type DevicePatch = Partial<Record<DeviceField, string | null>>

export class DuplicateSerialNumberError extends Error {
  readonly code = 'DUPLICATE_SERIAL_NUMBER'

  constructor(readonly serialNumber: string) {
    super(`a device with serial number ${JSON.stringify(serialNumber)} already exists`)
    this.name = 'DuplicateSerialNumberError'
  }
}

const COLUMNS = `id::text AS id, serial_number, name, model, created_at, updated_at`

interface DeviceRow {
  id: string
  serial_number: string
  name: string | null
  model: string | null
  created_at: Date | string
  updated_at: Date | string
}

export class DeviceStore {
  constructor(private readonly db: Database) {}

  /** Inserts a device with the id the caller chose; a taken serial number throws. */
  async create(tenantId: string, id: string, input: NewDevice): Promise<Device> {
    const [row] = await this.transaction(tenantId, (sql) =>
      sql.query<DeviceRow>(
        `INSERT INTO auditseal.devices (tenant_id, id, serial_number, name, model)
         VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
        [tenantId, id, input.serial_number, input.name ?? null, input.model ?? null],
      ),
    ).catch((error: unknown) => {
      throw duplicateOr(error, input.serial_number)
    })
    return toDevice(row as DeviceRow)
  }

  /** One page in id order (UUIDv7: creation order); `after` is the last id of the previous page. */
  async list(
    tenantId: string,
    page: { limit: number; after?: string | undefined },
  ): Promise<{ devices: Device[]; next: string | null }> {
    const rows = await this.transaction(tenantId, (sql) =>
      page.after === undefined
        ? sql.query<DeviceRow>(
            `SELECT ${COLUMNS} FROM auditseal.devices WHERE tenant_id = $1 ORDER BY id LIMIT $2`,
            [tenantId, page.limit + 1],
          )
        : sql.query<DeviceRow>(
            `SELECT ${COLUMNS} FROM auditseal.devices WHERE tenant_id = $1 AND id > $2
             ORDER BY id LIMIT $3`,
            [tenantId, page.after, page.limit + 1],
          ),
    )
    const devices = rows.slice(0, page.limit).map(toDevice)
    const last = devices[devices.length - 1]
    return { devices, next: rows.length > page.limit && last ? last.id : null }
  }

  async get(tenantId: string, id: string): Promise<Device | undefined> {
    const [row] = await this.transaction(tenantId, (sql) =>
      sql.query<DeviceRow>(
        `SELECT ${COLUMNS} FROM auditseal.devices WHERE tenant_id = $1 AND id = $2`,
        [tenantId, id],
      ),
    )
    return row && toDevice(row)
  }

  /** Applies `patch`; returns the device before and after, or undefined if there is none. */
  async update(
    tenantId: string,
    id: string,
    patch: DevicePatch,
  ): Promise<{ before: Device; after: Device } | undefined> {
    // Column names come from the closed DEVICE_FIELDS list, never from the request.
    const fields = DEVICE_FIELDS.filter((field) => patch[field] !== undefined)
    const sets = fields.map((field, i) => `${field} = $${i + 3}`)
    return this.transaction(tenantId, async (sql) => {
      const [before] = await sql.query<DeviceRow>(
        `SELECT ${COLUMNS} FROM auditseal.devices WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
        [tenantId, id],
      )
      if (!before) return undefined
      const [after] = await sql.query<DeviceRow>(
        `UPDATE auditseal.devices SET ${[...sets, 'updated_at = now()'].join(', ')}
         WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
        [tenantId, id, ...fields.map((field) => patch[field])],
      )
      return { before: toDevice(before), after: toDevice(after as DeviceRow) }
    }).catch((error: unknown) => {
      throw duplicateOr(error, patch.serial_number ?? '')
    })
  }

  /** Deletes the device and returns it as it was, or undefined if there is none. */
  async delete(tenantId: string, id: string): Promise<Device | undefined> {
    const [row] = await this.transaction(tenantId, (sql) =>
      sql.query<DeviceRow>(
        `DELETE FROM auditseal.devices WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
        [tenantId, id],
      ),
    )
    return row && toDevice(row)
  }

  private transaction<T>(tenantId: string, fn: (sql: Sql) => Promise<T>): Promise<T> {
    return this.db.tenantTransaction('writer', tenantId, fn)
  }
}

function toDevice(row: DeviceRow): Device {
  return {
    id: row.id,
    serial_number: row.serial_number,
    name: row.name,
    model: row.model,
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  }
}

/** SQLSTATE 23505 on the serial number's unique constraint is the client's mistake: 409. */
function duplicateOr(error: unknown, serialNumber: string): unknown {
  const e = error as { code?: unknown; constraint?: unknown; message?: unknown } | null
  const onSerial =
    e?.constraint === 'devices_tenant_serial_number_key' ||
    (typeof e?.message === 'string' && e.message.includes('devices_tenant_serial_number_key'))
  return e?.code === '23505' && onSerial ? new DuplicateSerialNumberError(serialNumber) : error
}
