// A TCP port for a test server that binds it later (a child process, a PostgreSQL cluster) or
// binds it again after a restart. Port 0 would hand out one of the kernel's ephemeral ports,
// which any outgoing connection of the machine (the other test files' database clients, say)
// may take in the meantime; so the port is drawn below the ephemeral range, where only servers
// that ask for a port by number go.
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'

/** The first port of Linux's ephemeral range (32768 unless configured). */
function ephemeralStart(): number {
  try {
    const first = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0],
    )
    return Number.isInteger(first) && first > 2048 ? first : 32768
  } catch {
    return 32768
  }
}

const HIGHEST = ephemeralStart() - 1
const LOWEST = Math.max(1024, HIGHEST - 12_000)

function bindable(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.unref()
    server.once('error', () => resolve(false))
    server.listen(port, host, () => server.close(() => resolve(true)))
  })
}

/** A port that was free on `host` a moment ago, below the ephemeral range. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (HIGHEST - LOWEST + 1))
    if (await bindable(port, host)) return port
  }
  throw new Error(`no free port between ${LOWEST} and ${HIGHEST} on ${host}`)
}
