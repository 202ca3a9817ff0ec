// The viewer in a real browser (Debian's chromium through playwright-core) against the real
// `auditseal serve` on PGlite: events made through the device gateway, found, filtered,
// exported, verified in the page, and shown Not verified once the database is tampered with.
//
// Screenshots of the main views land in test-output/viewer/ for a person to look at.

import { randomBytes, randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  canonicalJson,
  createTreeHasher,
  deriveSigner,
  fromBase64,
  generateSigningKey,
  MemoryHashStore,
  nobleCrypto,
  parsePrivateKey,
  signCheckpoint,
  toBase64,
  utf8,
  verifierKeyString,
} from '@auditseal/core'
import type { AuditEvent } from '@auditseal/core'
import type { Browser, Page, Route } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { launchChromium } from './support/browser.js'
import { gateway } from './support/gateway.js'
import { CLI, SCREENSHOTS, VIEWER_INDEX } from './support/paths.js'
import { freePort } from '../../../test-support/free-port.js'
import { createApiKey, mintToken, startServe } from './support/serve.js'
import type { RunningServe } from './support/serve.js'
import { rewriteEvent } from './support/tamper.js'

const TENANT = randomUUID()
const LAPTOP = { width: 1366, height: 860 }
const PHONE = { width: 390, height: 844 }

interface ApiEventSummary {
  id: string
  type: string
  outcome: string
  actor: { id: string }
  target?: { id: string; name?: string }
}

let dataDir: string
let port: number
let env: Record<string, string>
let server: RunningServe
let browser: Browser
let page: Page
let alice: string
const foreignRequests: string[] = []

/** GET a /v1 path as alice. */
async function api<T>(path: string): Promise<T> {
  const response = await fetch(`${server.url}${path}`, {
    headers: { authorization: `Bearer ${alice}` },
  })
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`)
  return (await response.json()) as T
}

/** The gateway audits asynchronously: wait until the log holds `count` events. */
async function eventsOnceSealed(count: number): Promise<ApiEventSummary[]> {
  const deadline = Date.now() + 20_000
  for (;;) {
    const { events } = await api<{ events: ApiEventSummary[] }>('/v1/events?limit=500')
    if (events.length >= count) return events
    if (Date.now() > deadline) throw new Error(`only ${events.length} of ${count} events sealed`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** The checkpointer signs grown logs about once a second: wait until it covers `size`. */
async function checkpointCovering(size: number): Promise<void> {
  const deadline = Date.now() + 20_000
  for (;;) {
    const { checkpoints } = await api<{ checkpoints: { tree_size: number }[] }>(
      '/v1/checkpoints?limit=1',
    )
    if ((checkpoints[0]?.tree_size ?? 0) >= size) return
    if (Date.now() > deadline) throw new Error(`no checkpoint of ${size} leaves was signed`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

async function shot(
  name: string,
  target: Page | ReturnType<Page['locator']> = page,
): Promise<void> {
  await target.screenshot({ path: join(SCREENSHOTS, `${name}.png`) })
}

function rows() {
  return page.locator('tr.event-row')
}

async function openDetail(id: string): Promise<void> {
  await page.locator(`tr[data-event-id="${id}"]`).focus()
  await page.keyboard.press('Enter')
  await page.locator('dialog.drawer [data-verdict]').waitFor()
}

beforeAll(async () => {
  for (const built of [CLI, VIEWER_INDEX]) {
    if (!existsSync(built)) throw new Error(`${built} is missing: run npm run build first`)
  }
  await mkdir(SCREENSHOTS, { recursive: true })
  dataDir = await mkdtemp(join(tmpdir(), 'auditseal-viewer-'))
  port = await freePort()
  env = {
    AUDITSEAL_JWT_SECRET: randomBytes(32).toString('hex'),
    AUDITSEAL_DATA_DIR: dataDir,
    AUDITSEAL_LOG_LEVEL: 'warn',
  }
  server = await startServe({ port, dataDir, env })
  alice = await mintToken(env, { tenant: TENANT, sub: 'alice', roles: 'admin' })
  const bob = await mintToken(env, { tenant: TENANT, sub: 'bob', roles: 'operator' })

  // Six devices, one duplicate serial (a failure), one rename: eight events.
  const asAlice = gateway(server.url, alice)
  const names = ['Lobby sensor', 'Boiler valve', 'Greenhouse thermometer', 'Door lock', 'Pump']
  const created = []
  for (const [i, name] of names.entries()) {
    const response = await asAlice.createDevice({ serial_number: `SN-${i}`, name, model: 'T-1' })
    expect(response.status).toBe(201)
    created.push((await response.json()) as { id: string })
  }
  expect((await gateway(server.url, bob).createDevice({ serial_number: 'SN-B' })).status).toBe(201)
  expect((await asAlice.createDevice({ serial_number: 'SN-0' })).status).toBe(409)
  const renamed = await asAlice.updateDevice(created[0]?.id as string, { name: 'Entrance sensor' })
  expect(renamed.status).toBe(200)
  await eventsOnceSealed(8)

  browser = await launchChromium()
  const context = await browser.newContext({ viewport: LAPTOP, acceptDownloads: true })
  page = await context.newPage()
  page.on('request', (request) => {
    const url = request.url()
    if (!url.startsWith(server.url) && !/^(data|blob):/.test(url)) foreignRequests.push(url)
  })
}, 180_000)

afterAll(async () => {
  await browser?.close()
  await server?.stop()
  if (dataDir) await rm(dataDir, { recursive: true, force: true })
})

describe('the web viewer', () => {
  it('signs in with a pasted JWT, kept in sessionStorage only, and shows who is signed in', async () => {
    await page.goto(server.url)
    await page.getByLabel('API key or JWT').waitFor()
    await shot('sign-in')
    await page.getByLabel('API key or JWT').fill(alice)
    await page.getByRole('button', { name: 'Sign in' }).click()
    const identity = page.locator('.identity')
    await expect.poll(() => identity.innerText()).toContain('alice')
    expect(await identity.innerText()).toContain(TENANT)
    expect(await identity.innerText()).toContain('admin')
    const stored = await page.evaluate(() => ({
      session: Object.values(sessionStorage),
      local: Object.values(localStorage).join('\n'),
    }))
    expect(stored.session).toContain(alice)
    expect(stored.local).not.toContain(alice)
  })

  it('lists the events newest first, with failures standing out', async () => {
    await expect.poll(() => rows().count()).toBe(8)
    const expected = (await api<{ events: ApiEventSummary[] }>('/v1/events')).events
    const shown = await rows().evaluateAll((trs) =>
      trs.map((tr) => tr.getAttribute('data-event-id')),
    )
    expect(shown).toEqual(expected.map((e) => e.id))
    const failure = page.locator('tr.event-row.failure')
    await expect.poll(() => failure.count()).toBe(1)
    expect(await failure.innerText()).toContain('device.creation_failed')
    const time = page.locator('tr.event-row time').first()
    expect(await time.getAttribute('title')).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \(UTC\)$/,
    )
    await shot('events-table')
  })

  it('filters by type and by actor, in the URL, and restores the view on load', async () => {
    await page.getByLabel('Type', { exact: true }).fill('device.created')
    await page.getByRole('button', { name: 'Apply' }).click()
    await expect.poll(() => rows().count()).toBe(6)
    expect(new URL(page.url()).searchParams.get('type')).toBe('device.created')

    await page.getByText('More filters').click()
    await page.getByLabel('Actor id', { exact: true }).fill('bob')
    await page.getByRole('button', { name: 'Apply' }).click()
    await expect.poll(() => rows().count()).toBe(1)
    expect(new URL(page.url()).searchParams.get('actor_id')).toBe('bob')

    await page.reload()
    await expect.poll(() => rows().count()).toBe(1)
    expect(await page.getByLabel('Type', { exact: true }).inputValue()).toBe('device.created')
    expect(await page.getByLabel('Actor id', { exact: true }).inputValue()).toBe('bob')

    await page.goBack() // to type=device.created only
    await expect.poll(() => rows().count()).toBe(6)
  })

  it('filters by type prefix and outcome, and searches text', async () => {
    await page.goto(`${server.url}/?type=device.*&outcome=failure`)
    await expect.poll(() => rows().count()).toBe(1)
    await page.goto(`${server.url}/?q=greenhouse`)
    await expect.poll(() => rows().count()).toBe(1)
    expect(await rows().first().innerText()).toContain('Greenhouse thermometer')
  })

  it('opens an event with Enter and verifies it in the browser', async () => {
    await page.goto(server.url)
    const updated = (await api<{ events: ApiEventSummary[] }>('/v1/events?type=device.updated'))
      .events[0] as ApiEventSummary
    await openDetail(updated.id)
    const drawer = page.locator('dialog.drawer')
    expect(await drawer.locator('[data-verdict]').getAttribute('data-verdict')).toBe('verified')
    const steps = await drawer
      .locator('.step')
      .evaluateAll((items) => items.map((li) => `${li.getAttribute('data-step')}:${li.className}`))
    expect(steps).toEqual([
      'canonical:step step-passed',
      'leaf_hash:step step-passed',
      'inclusion:step step-passed',
      'signature:step step-passed',
      'root:step step-passed',
      'consistency:step step-passed', // nothing trusted yet in this browser: said, and passed
    ])
    const diff = drawer.locator('table.diff')
    expect(await diff.locator('del').first().innerText()).toBe('Lobby sensor')
    expect(await diff.locator('ins').first().innerText()).toBe('Entrance sensor')
    const members = await drawer.locator('.members').innerText()
    for (const term of ['Request id', 'Seq', 'Leaf hash', 'Source IP', 'Actor']) {
      expect(members).toContain(term)
    }
    expect(new URL(page.url()).searchParams.get('event')).toBe(updated.id)
    await shot('detail-verified')

    await page.keyboard.press('Escape')
    await expect.poll(() => drawer.evaluate((d) => (d as HTMLDialogElement).open)).toBe(false)
    // The dialog's `close` event, which updates the address and focus, is queued as a task
    // after `open` turns false, so both are awaited rather than read at once.
    await expect.poll(() => new URL(page.url()).searchParams.get('event')).toBeNull()
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-event-id')))
      .toBe(updated.id)
  })

  it('checks consistency from the pinned checkpoint to the latest', async () => {
    const status = page.locator('section.status')
    await status.getByRole('button', { name: 'Check consistency' }).click()
    await expect
      .poll(() => status.locator('.consistency-result').innerText())
      .toMatch(/trusting the signed checkpoint of \d+ leaves/)
    const before = (await api<{ tree_size: number }>('/v1/log')).tree_size

    const asAlice = gateway(server.url, alice)
    for (const serial of ['SN-10', 'SN-11']) {
      expect((await asAlice.createDevice({ serial_number: serial })).status).toBe(201)
    }
    await eventsOnceSealed(before + 2)
    await checkpointCovering(before + 2)
    await status.getByRole('button', { name: 'Check consistency' }).click()
    await expect
      .poll(() => status.locator('.consistency-result').innerText())
      .toMatch(new RegExp(`Consistent: tree \\d+ → ${before + 2}: append-only`))
    await expect.poll(() => status.innerText()).toContain(`${before + 2} leaves, verified`)
    expect(await status.innerText()).toContain('pinned in this browser')
    await shot('status-panel', status)
  })

  it('exports the current filter as CSV and NDJSON downloads', async () => {
    await page.goto(`${server.url}/?type=device.created`)
    await expect.poll(() => rows().count()).toBe(8)
    const [ndjson] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export NDJSON' }).click(),
    ])
    const lines = (await readFile(await ndjson.path(), 'utf8')).trim().split('\n')
    expect(lines).toHaveLength(8)
    expect(
      lines.every((line) => (JSON.parse(line) as { type: string }).type === 'device.created'),
    ).toBe(true)

    const [csv] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ])
    expect(csv.suggestedFilename()).toMatch(/\.csv$/)
    const text = await readFile(await csv.path(), 'utf8')
    expect(text).toContain('device.created')
    expect(text).not.toContain('device.updated')
  })

  it('warns loudly when the log serves a key other than the pinned one', async () => {
    const { origin } = await api<{ origin: string }>('/v1/log')
    const other = generateSigningKey(nobleCrypto, origin, randomBytes(32))
    const otherKey = verifierKeyString(origin, other.keyId, other.publicKey)
    const pinned = await page.evaluate(
      ([tenant, vkey]) => {
        const key = `auditseal.viewer.v2.key:${tenant}`
        const real = localStorage.getItem(key)
        localStorage.setItem(key, JSON.stringify({ vkey, pinnedAt: new Date().toISOString() }))
        return real
      },
      [TENANT, otherKey] as const,
    )
    expect(pinned).not.toBeNull()
    await page.goto(server.url)
    const warning = page.locator('.key-warning')
    await expect.poll(() => warning.innerText()).toContain('verifier key has changed')
    const first = await rows().first().getAttribute('data-event-id')
    await openDetail(first as string)
    const drawer = page.locator('dialog.drawer')
    expect(await drawer.locator('[data-verdict]').getAttribute('data-verdict')).toBe('not-verified')
    expect(await drawer.locator('.step-failed').getAttribute('data-step')).toBe('signature')
    await page.keyboard.press('Escape')

    page.once('dialog', (dialog) => void dialog.accept())
    await warning.getByRole('button', { name: 'Trust the new key' }).click()
    await expect.poll(() => warning.count()).toBe(0)
    await openDetail(first as string)
    expect(await drawer.locator('[data-verdict]').getAttribute('data-verdict')).toBe('verified')
    await page.keyboard.press('Escape')
  })

  it('shows Not verified, and which step failed, once an event is rewritten in the database', async () => {
    const target = (await api<{ events: ApiEventSummary[] }>('/v1/events?q=boiler')).events[0]
    expect(target?.actor.id).toBe('alice')
    await server.stop()
    await rewriteEvent(dataDir, target?.id as string, (canonical) =>
      canonical.replace('"id":"alice"', '"id":"mallory"'),
    )
    server = await startServe({ port, dataDir, env })

    await page.goto(`${server.url}/?event=${target?.id}`)
    const drawer = page.locator('dialog.drawer')
    await drawer.locator('[data-verdict]').waitFor()
    expect(await drawer.locator('[data-verdict]').getAttribute('data-verdict')).toBe('not-verified')
    expect(await drawer.locator('.step-failed').getAttribute('data-step')).toBe('leaf_hash')
    const reason = await drawer.locator('.verdict-detail').innerText()
    expect(reason).toContain('Leaf hash failed')
    expect(reason).toContain('not what was sealed')
    expect(await drawer.locator('.members').innerText()).toContain('user:mallory')
    await shot('detail-not-verified')
    await page.keyboard.press('Escape')
  })

  it('fits a phone screen', async () => {
    await page.setViewportSize(PHONE)
    await page.goto(server.url)
    await expect.poll(() => rows().count()).toBeGreaterThan(0)
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      PHONE.width,
    )
    await shot('phone-events')
    await openDetail((await rows().first().getAttribute('data-event-id')) as string)
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      PHONE.width,
    )
    await shot('phone-detail')
    await page.keyboard.press('Escape')
    await page.setViewportSize(LAPTOP)
  })

  it('signs out, forgetting the token', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByLabel('API key or JWT').waitFor()
    expect(await page.evaluate(() => Object.values(sessionStorage))).not.toContain(alice)
  })

  it('made no request to any other origin', () => {
    expect(foreignRequests).toEqual([])
  })
})

// What the person sees when the server is restarting or failing, the network is down or a
// request fails part-way: failures the browser is made to see with page.route (a 503, 500 or
// 404 from a stub, an HTML page where JSON belongs, or a refused connection), in a tab of its
// own so the tests above keep their state.
describe('the web viewer when the server fails or cannot be reached', () => {
  let tab: Page
  const tabRows = () => tab.locator('tr.event-row')
  const listStatus = () => tab.locator('.list-status')
  const loadMore = () => tab.locator('button.load-more')
  const drawer = () => tab.locator('dialog.drawer')
  const verdict = () => drawer().locator('[data-verdict]').getAttribute('data-verdict')
  const storedToken = () => tab.evaluate(() => Object.values(sessionStorage))
  const isEventsPath = (url: URL) => url.pathname === '/v1/events'
  /** Answers as `auditseal serve` does while its database is down. */
  const unavailable = (route: Route) =>
    route.fulfill({
      status: 503,
      contentType: 'application/json',
      body: JSON.stringify({ error: { code: 'not_ready', message: 'the service is not ready' } }),
    })

  async function signIn(): Promise<void> {
    await tab.goto(server.url)
    await tab.getByLabel('API key or JWT').fill(alice)
    await tab.getByRole('button', { name: 'Sign in' }).click()
    await tabRows().first().waitFor()
  }

  beforeAll(async () => {
    // More than a page (50) of device.created events, so that filter has a cursor.
    const before = (await api<{ tree_size: number }>('/v1/log')).tree_size
    const asAlice = gateway(server.url, alice)
    for (let i = 0; i < 50; i++) {
      expect((await asAlice.createDevice({ serial_number: `BULK-${i}` })).status).toBe(201)
    }
    await eventsOnceSealed(before + 50)
    const context = await browser.newContext({ viewport: LAPTOP })
    tab = await context.newPage()
    await signIn()
  }, 120_000)

  // A test that failed may have left the tab signed out: the next one starts signed in.
  beforeEach(async () => {
    if (!(await storedToken()).includes(alice)) await signIn()
  })
  // A held request of a failed test is dropped, not waited for.
  afterEach(() => tab.unrouteAll({ behavior: 'ignoreErrors' }))

  it('is served with headers that forbid framing it', async () => {
    const response = await fetch(server.url)
    expect(response.headers.get('x-frame-options')).toBe('DENY')
    const policy = response.headers.get('content-security-policy')
    expect(policy).toContain("frame-ancestors 'none'")
    expect(policy).toContain("script-src 'self'") // the page's own <meta> policy, kept
  })

  describe('a reload that cannot check the saved token', () => {
    const main = () => tab.locator('main')
    const heading = () => tab.locator('#startup-failure-title')
    const retry = () => tab.getByRole('button', { name: 'Retry' })
    const serverError = (route: Route) =>
      route.fulfill({
        status: 500,
        contentType: 'application/json',
        body: JSON.stringify({
          error: { code: 'internal', message: 'an internal error occurred; quote req-42' },
        }),
      })

    /** Retry with the real server answering: the events, signed in as alice, come back. */
    async function retryRecovers(): Promise<void> {
      await tab.unrouteAll({ behavior: 'wait' })
      await retry().click()
      await expect.poll(() => tabRows().count()).toBeGreaterThan(0)
      expect(await tab.locator('.identity').innerText()).toContain('alice')
    }

    it('says Cannot reach the server, keeps the token and offers Retry, when no answer comes', async () => {
      await tab.route('**/v1/log', (route) => route.abort('connectionrefused'))
      await tab.reload()
      await tab.getByRole('heading', { name: 'Cannot reach the server' }).waitFor()
      expect(await main().innerText()).toContain('the server could not be reached')
      expect(await tab.title()).toBe('Cannot reach the server · auditseal')
      expect(await storedToken()).toContain(alice)
      await shot('server-unreachable', tab)
      await retryRecovers()
    })

    it('says the server is temporarily unavailable on a 503, not that it cannot be reached', async () => {
      await tab.route('**/v1/log', unavailable)
      await tab.reload()
      await tab.getByRole('heading', { name: 'The server is temporarily unavailable' }).waitFor()
      const text = await main().innerText()
      expect(text).toContain('the service is not ready (HTTP 503, not_ready)')
      expect(text).not.toContain('Cannot reach the server')
      expect(await storedToken()).toContain(alice)
      await shot('server-unavailable', tab)

      // A Retry that then gets no answer at all says so.
      await tab.unrouteAll({ behavior: 'wait' })
      await tab.route('**/v1/log', (route) => route.abort('connectionrefused'))
      await retry().click()
      await expect.poll(() => heading().innerText()).toBe('Cannot reach the server')
      expect(await storedToken()).toContain(alice)
      await retryRecovers()
    })

    it('shows the status, code and message of a 500, and Retry recovers', async () => {
      await tab.route('**/v1/log', serverError)
      await tab.reload()
      await tab.getByRole('heading', { name: 'The server answered with an error' }).waitFor()
      const text = await main().innerText()
      expect(text).toContain('an internal error occurred; quote req-42 (HTTP 500, internal)')
      expect(text).not.toContain('Cannot reach the server')
      expect(await tab.title()).toBe('The server answered with an error · auditseal')
      expect(await storedToken()).toContain(alice)
      await shot('server-error', tab)
      await retryRecovers()
    })

    it('says /v1/log was not found when a page served away from the API gets a 404', async () => {
      await tab.route('**/v1/log', (route) =>
        route.fulfill({ status: 404, contentType: 'text/html', body: '<h1>Not Found</h1>' }),
      )
      await tab.reload()
      await tab.getByRole('heading', { name: 'The server answered with an error' }).waitFor()
      const text = await main().innerText()
      expect(text).toContain('(HTTP 404)')
      expect(text).toContain('asks for /v1/log on the origin it was loaded from')
      expect(await storedToken()).toContain(alice)
      await retryRecovers()
    })

    it('says the answer could not be read when /v1/log answers with an HTML page', async () => {
      await tab.route('**/v1/log', (route) =>
        route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><p>Hi' }),
      )
      await tab.reload()
      await tab.getByRole('heading', { name: 'The server’s answer could not be read' }).waitFor()
      expect(await main().innerText()).toContain('the answer to /v1/log is not JSON (HTTP 200)')
      expect(await storedToken()).toContain(alice)
      await retryRecovers()
    })
  })

  it('shows no rows and no Load more of the old filter when the new one fails to load', async () => {
    await tab.goto(`${server.url}/?type=device.created`)
    await expect.poll(() => tabRows().count()).toBe(50)
    expect(await loadMore().isVisible()).toBe(true)
    const cursors: URL[] = []
    tab.on('request', (request) => {
      const url = new URL(request.url())
      if (isEventsPath(url) && url.searchParams.has('cursor')) cursors.push(url)
    })

    await tab.route(isEventsPath, unavailable)
    await tab.getByLabel('Type', { exact: true }).fill('device.updated')
    await tab.getByRole('button', { name: 'Apply' }).click()
    await expect.poll(() => listStatus().innerText()).toContain('Could not load events')
    expect(await tabRows().count()).toBe(0)
    expect(await loadMore().isVisible()).toBe(false)
    expect(await listStatus().innerText()).toContain('HTTP 503')

    await tab.unrouteAll({ behavior: 'wait' })
    await listStatus().getByRole('button', { name: 'Retry' }).click()
    await expect.poll(() => listStatus().innerText()).toBe('1 event matching the filters.')
    expect(await tabRows().count()).toBe(1)
    expect(await loadMore().isVisible()).toBe(false)
    expect(cursors).toEqual([])
  })

  it('drops a Load more overtaken by a new filter, and keeps Load more off meanwhile', async () => {
    await tab.goto(`${server.url}/?type=device.created`)
    await expect.poll(() => tabRows().count()).toBe(50)
    const held = (test: (url: URL) => boolean) => {
      let release = () => {}
      const released = new Promise<void>((resolve) => (release = resolve))
      const predicate = (url: URL) => isEventsPath(url) && test(url)
      return {
        predicate,
        release,
        handler: (route: Route) => released.then(() => route.continue()),
      }
    }
    const nextPage = held((url) => url.searchParams.has('cursor'))
    const newFilter = held((url) => url.searchParams.get('type') === 'device.updated')
    await tab.route(nextPage.predicate, nextPage.handler)
    await tab.route(newFilter.predicate, newFilter.handler)

    await loadMore().click()
    await tab.getByLabel('Type', { exact: true }).fill('device.updated')
    await tab.getByRole('button', { name: 'Apply' }).click()
    await expect.poll(() => listStatus().innerText()).toBe('Loading…')
    expect(await tabRows().count()).toBe(0)

    // The overtaken next page of device.created arrives while device.updated still loads.
    const finished = tab.waitForEvent('requestfinished', (request) =>
      nextPage.predicate(new URL(request.url())),
    )
    nextPage.release()
    await finished
    await tab.evaluate(() => new Promise((resolve) => setTimeout(resolve, 200)))
    expect(await tabRows().count()).toBe(0)
    expect((await loadMore().isVisible()) && (await loadMore().isEnabled())).toBe(false)

    newFilter.release()
    await expect.poll(() => listStatus().innerText()).toBe('1 event matching the filters.')
    expect(await tabRows().count()).toBe(1)
    expect(await loadMore().isVisible()).toBe(false)
  })

  it('keeps the milliseconds of a from and to taken from a link when Apply is pressed again', async () => {
    const from = '2024-06-12T08:30:00.123Z'
    const to = '2099-01-01T00:00:00.999Z'
    await tab.goto(`${server.url}/?from=${from}&to=${to}`)
    await expect.poll(() => tabRows().count()).toBeGreaterThan(0)
    await tab.getByRole('button', { name: 'Apply' }).click()
    const params = new URL(tab.url()).searchParams
    expect([params.get('from'), params.get('to')]).toEqual([from, to])
  })

  describe('an event whose proof cannot be fetched', () => {
    let updated: ApiEventSummary
    beforeAll(async () => {
      updated = (await api<{ events: ApiEventSummary[] }>('/v1/events?type=device.updated'))
        .events[0] as ApiEventSummary
    })
    const isProof = (url: URL) => url.pathname === `/v1/events/${updated.id}/proof`

    it('is shown as Could not verify with Retry, not as Not verified', async () => {
      await tab.route(isProof, unavailable)
      await tab.goto(`${server.url}/?event=${updated.id}`)
      await drawer().locator('[data-verdict]').waitFor()
      expect(await verdict()).toBe('unavailable')
      const verification = drawer().locator('.verification')
      expect(await verification.innerText()).toContain('Could not verify')
      expect(await verification.innerText()).toContain('HTTP 503')
      expect(await verification.innerText()).not.toContain('Not verified')
      await shot('detail-could-not-verify', tab)

      await tab.unrouteAll({ behavior: 'wait' })
      await tab.route(isProof, (route) => route.abort('connectionrefused'))
      await drawer().getByRole('button', { name: 'Retry' }).click()
      await expect.poll(() => verification.innerText()).toContain('the server could not be reached')
      expect(await verdict()).toBe('unavailable')

      await tab.unrouteAll({ behavior: 'wait' })
      await drawer().getByRole('button', { name: 'Retry' }).click()
      await expect.poll(verdict).toBe('verified')
      await tab.keyboard.press('Escape')
    })

    it('is titled Could not load the event, not Event not found, when the event fetch fails', async () => {
      const title = drawer().locator('#drawer-title')
      await tab.route((url) => url.pathname === `/v1/events/${updated.id}`, unavailable)
      await tab.goto(`${server.url}/?event=${updated.id}`)
      await expect.poll(() => title.innerText()).toBe('Could not load the event')
      expect(await drawer().innerText()).toContain('HTTP 503')

      await tab.unrouteAll({ behavior: 'wait' })
      await drawer().getByRole('button', { name: 'Retry' }).click()
      await expect.poll(() => title.innerText()).toBe('device.updated')
      await expect.poll(verdict).toBe('verified')

      await tab.goto(`${server.url}/?event=${randomUUID()}`)
      await expect.poll(() => title.innerText()).toBe('Event not found')
      expect(await drawer().getByRole('button', { name: 'Retry' }).count()).toBe(0)
      await tab.keyboard.press('Escape')
    })

    it('signs out when the server rejects the token while the proof is fetched', async () => {
      await tab.route(isProof, (route) =>
        route.fulfill({
          status: 401,
          contentType: 'application/json',
          body: JSON.stringify({ error: { code: 'unauthorized', message: 'the JWT has expired' } }),
        }),
      )
      await tab.goto(`${server.url}/?event=${updated.id}`)
      await tab.getByLabel('API key or JWT').waitFor()
      expect(await tab.locator('#sign-in-error').innerText()).toContain('the JWT has expired')
      expect(await storedToken()).not.toContain(alice)
    })
  })

  it('tells a sign-in that met a server error its status, code and message', async () => {
    await tab.evaluate(() => sessionStorage.clear())
    await tab.route('**/v1/log', (route) =>
      route.fulfill({
        status: 500,
        contentType: 'application/json',
        body: JSON.stringify({
          error: { code: 'internal', message: 'an internal error occurred; quote req-7' },
        }),
      }),
    )
    await tab.reload()
    await tab.getByLabel('API key or JWT').fill(alice)
    await tab.getByRole('button', { name: 'Sign in' }).click()
    await expect
      .poll(() => tab.locator('#sign-in-error').innerText())
      .toContain('an internal error occurred; quote req-7 (HTTP 500, internal)')
    await tab.unrouteAll({ behavior: 'wait' })
    await tab.getByRole('button', { name: 'Sign in' }).click()
    await tabRows().first().waitFor()
  })

  it('forgets the token when a reload finds the server rejects it', async () => {
    await tab.route('**/v1/log', (route) =>
      route.fulfill({
        status: 401,
        contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'unauthorized', message: 'the JWT has expired' } }),
      }),
    )
    await tab.reload()
    await tab.getByLabel('API key or JWT').waitFor()
    expect(await tab.locator('#sign-in-error').innerText()).toContain('the JWT has expired')
    expect(await storedToken()).not.toContain(alice)
  })
})

describe('the web viewer when the server lies', () => {
  let tab: Page
  const drawer = () => tab.locator('dialog.drawer')
  const verdict = () => drawer().locator('[data-verdict]').getAttribute('data-verdict')
  const json = (route: Route, body: unknown, status = 200) =>
    route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) })

  interface ExportedEvent extends Record<string, unknown> {
    id: string
    seq: number
    leaf_hash: string
    actor: { type: string; id: string }
  }

  beforeAll(async () => {
    const context = await browser.newContext({ viewport: LAPTOP })
    tab = await context.newPage()
    await tab.goto(server.url)
    await tab.getByLabel('API key or JWT').fill(alice)
    await tab.getByRole('button', { name: 'Sign in' }).click()
    await tab.locator('tr.event-row').first().waitFor()
  })
  afterEach(() => tab.unrouteAll({ behavior: 'ignoreErrors' }))

  /** The log's events with their leaf hashes, as the export gives them. */
  async function exported(): Promise<ExportedEvent[]> {
    const response = await fetch(`${server.url}/v1/export?format=ndjson`, {
      headers: { authorization: `Bearer ${alice}` },
    })
    const text = await response.text()
    return text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as ExportedEvent)
  }

  it('shows Not verified an event proven against a fork of the trusted checkpoint, signed with the log’s own key', async () => {
    // The browser trusts the latest checkpoint; then the server answers one event with a
    // rewritten copy and a proof in a forked tree of the same size, signed with its real key.
    const status = tab.locator('section.status')
    await status.getByRole('button', { name: 'Check consistency' }).click()
    await expect.poll(() => status.locator('.consistency-result').innerText()).toMatch(/leaves/)
    const note = await (
      await fetch(`${server.url}/v1/checkpoints/latest`, {
        headers: { authorization: `Bearer ${alice}` },
      })
    ).text()
    const size = Number(note.split('\n')[1])
    const events = (await exported()).slice(0, size)
    const target = events[1] as ExportedEvent
    const { seq: _seq, leaf_hash: _leaf, ...members } = target
    const forged = { ...members, actor: { ...target.actor, id: 'mallory' } } as AuditEvent
    const hasher = createTreeHasher(nobleCrypto)
    const leaves = events.map((e) => fromBase64(e.leaf_hash) as Uint8Array)
    leaves[target.seq] = hasher.leafHash(utf8(canonicalJson(forged)))
    const fork = new MemoryHashStore(hasher)
    fork.append(leaves)
    const { origin } = await api<{ origin: string }>('/v1/log')
    const seed = parsePrivateKey(
      nobleCrypto,
      (await readFile(join(dataDir, 'signing.key'), 'utf8')).trim(),
    ).seed
    const signer = deriveSigner(nobleCrypto, seed, origin)
    const forgedCheckpoint = signCheckpoint(signer, { origin, size, rootHash: fork.root(size) })
    const forgedLeaf = toBase64(leaves[target.seq] as Uint8Array)
    await tab.route(
      (url) => url.pathname === `/v1/events/${target.id}`,
      (route) => json(route, { ...forged, seq: target.seq, leaf_hash: forgedLeaf }),
    )
    await tab.route(
      (url) => url.pathname === `/v1/events/${target.id}/proof`,
      (route) =>
        json(route, {
          seq: target.seq,
          leaf_hash: forgedLeaf,
          tree_size: size,
          proof: fork.inclusionProof(target.seq, size).map(toBase64),
          checkpoint: forgedCheckpoint,
        }),
    )
    await tab.goto(`${server.url}/?event=${target.id}`)
    await drawer().locator('[data-verdict]').waitFor()
    expect(await verdict()).toBe('not-verified')
    expect(await drawer().locator('.step-failed').getAttribute('data-step')).toBe('consistency')
    expect(await drawer().locator('.verdict-detail').innerText()).toContain(
      `two signed roots for tree size ${size}`,
    )
    await shot('detail-forked', tab)
    await tab.keyboard.press('Escape')
  })

  it('warns that the key changed when the server names a new origin for the tenant', async () => {
    const log = await api<{ origin: string; vkey: string; tree_size: number; root_hash: string }>(
      '/v1/log',
    )
    const origin = `evil.example/${TENANT}`
    const signer = deriveSigner(nobleCrypto, randomBytes(32), origin)
    await tab.route('**/v1/log', (route) =>
      json(route, {
        ...log,
        origin,
        vkey: verifierKeyString(origin, signer.keyId, signer.publicKey),
      }),
    )
    await tab.reload()
    const warning = tab.locator('.key-warning')
    await expect.poll(() => warning.innerText()).toContain('verifier key has changed')
    expect(await warning.innerText()).toContain(`for another log origin (${origin}`)
    const pinned = await tab.evaluate(
      (tenant) => localStorage.getItem(`auditseal.viewer.v2.key:${tenant}`),
      TENANT,
    )
    expect(pinned).toContain(log.vkey) // the genuine key stays pinned
  })

  it('says so when a log is seen for the first time, and refuses another tenant for an API key used before', async () => {
    await server.stop()
    const key = await createApiKey(env, TENANT, 'read')
    server = await startServe({ port, dataDir, env })
    const context = await browser.newContext({ viewport: LAPTOP })
    const fresh = await context.newPage()
    try {
      await fresh.goto(server.url)
      await fresh.getByLabel('API key or JWT').fill(key)
      await fresh.getByRole('button', { name: 'Sign in' }).click()
      await fresh.locator('tr.event-row').first().waitFor()
      expect(await fresh.locator('.key-notice').innerText()).toContain(
        `First time this browser sees the log of tenant ${TENANT}`,
      )
      // The server now presents another tenant's log, with a key of its own, to the same key.
      const log = await api<Record<string, unknown> & { origin: string }>('/v1/log')
      const origin = log.origin.replace(TENANT, randomUUID())
      const signer = deriveSigner(nobleCrypto, randomBytes(32), origin)
      const vkey = verifierKeyString(origin, signer.keyId, signer.publicKey)
      await fresh.route('**/v1/log', (route) => json(route, { ...log, origin, vkey }))
      await fresh.reload()
      await expect
        .poll(() => fresh.locator('.key-warning').innerText())
        .toContain(`This API key was used with tenant ${TENANT} in this browser`)
    } finally {
      await fresh.unrouteAll({ behavior: 'ignoreErrors' })
      await context.close()
    }
  })

  it('refuses, on Refresh, a log the server now presents as another tenant’s', async () => {
    const log = await api<Record<string, unknown> & { origin: string }>('/v1/log')
    const origin = log.origin.replace(TENANT, randomUUID())
    const signer = deriveSigner(nobleCrypto, randomBytes(32), origin)
    const vkey = verifierKeyString(origin, signer.keyId, signer.publicKey)
    await tab.route('**/v1/log', (route) => json(route, { ...log, origin, vkey }))
    const status = tab.locator('section.status')
    await status.getByRole('button', { name: 'Refresh' }).click()
    await expect
      .poll(() => tab.locator('.key-warning').innerText())
      .toContain(`The server now presents the log ${origin}, of another tenant`)
    await tab.unrouteAll({ behavior: 'wait' })
    await status.getByRole('button', { name: 'Refresh' }).click()
    await expect.poll(() => tab.locator('.key-warning').count()).toBe(0)
  })

  it('never shows a checkpoint the pinned key does not verify as signed', async () => {
    await tab.route(
      (url) => url.pathname === '/v1/checkpoints',
      (route) =>
        json(route, {
          checkpoints: [
            {
              tree_size: 987654,
              root_hash: 'AAAA',
              created_at: new Date().toISOString(),
              note: 'not a signed note',
            },
          ],
          next_cursor: null,
        }),
    )
    const status = tab.locator('section.status')
    await status.getByRole('button', { name: 'Refresh' }).click()
    await expect.poll(() => status.innerText()).toContain('not signed by the pinned key')
    expect(await status.innerText()).not.toContain('987,654 leaves')
  })

  it('shows no event but the one asked for, and Not verified when its proof is refused as not in the log', async () => {
    const [first, second] = await exported()
    await tab.route(
      (url) => url.pathname === `/v1/events/${second?.id}`,
      (route) => json(route, first),
    )
    await tab.goto(`${server.url}/?event=${second?.id}`)
    await expect
      .poll(() => drawer().locator('#drawer-title').innerText())
      .toBe('Not the event asked for')
    expect(await drawer().innerText()).toContain(`with event ${first?.id}`)
    await tab.keyboard.press('Escape')
    await tab.unrouteAll({ behavior: 'wait' })

    await tab.route(
      (url) => url.pathname === `/v1/events/${second?.id}/proof`,
      (route) => json(route, { error: { code: 'not_found', message: 'not found' } }, 404),
    )
    await tab.goto(`${server.url}/?event=${second?.id}`)
    await drawer().locator('[data-verdict]').waitFor()
    expect(await verdict()).toBe('not-verified')
    expect(await drawer().locator('.verdict-detail').innerText()).toContain(
      'the server says the event is not in the log',
    )
    await tab.keyboard.press('Escape')
  })
})
