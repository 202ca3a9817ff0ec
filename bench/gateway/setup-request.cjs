// autocannon's setupRequest for POST /devices: a fresh serial number per request. A file of
// its own because autocannon's worker threads load it by path (plain JavaScript: the workers
// do not run TypeScript).
const prefix = `bench-${Math.random().toString(36).slice(2, 10)}`
let sent = 0

module.exports = function setupRequest(request) {
  sent += 1
  return {
    ...request,
    body: JSON.stringify({ serial_number: `${prefix}-${sent}`, model: 'bench' }),
  }
}
