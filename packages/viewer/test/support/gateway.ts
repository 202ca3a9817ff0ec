// Producing events the way the product does: through the device gateway (architecture §5).

export interface Gateway {
  createDevice(body: { serial_number: string; name?: string; model?: string }): Promise<Response>
  updateDevice(id: string, body: Record<string, unknown>): Promise<Response>
}

export function gateway(url: string, token: string): Gateway {
  const send = (method: string, path: string, body: unknown) =>
    fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  return {
    createDevice: (body) => send('POST', '/devices', body),
    updateDevice: (id, body) => send('PATCH', `/devices/${encodeURIComponent(id)}`, body),
  }
}
