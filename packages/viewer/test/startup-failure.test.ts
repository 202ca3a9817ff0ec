// What a person reads when a reload cannot check the saved token: the failure's true reason,
// from the ApiClient's errors against a stubbed fetch, never "Cannot reach the server" for a
// server that answered.

import { afterEach, describe, expect, it, vi } from 'vitest'
import type { ApiError } from '../src/api/api-error.js'
import { ApiClient } from '../src/api/client.js'
import { startupFailureOf } from '../src/ui/startup-failure.js'

const LOG = {
  origin: 'auditseal.test/log/3f2c1b8e-9d4a-4c6e-8f10-2a3b4c5d6e7f',
  vkey: 'auditseal.test/log/3f2c1b8e+01234567+AAAA',
  tree_size: 3,
  root_hash: 'AAAA',
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  })
}

function apiError(status: number, code: string, message: string): Response {
  return json(status, { error: { code, message } })
}

/** What `GET /v1/log` throws when fetch answers `answer` (or rejects with it). */
async function logFailure(answer: Response | Error): Promise<unknown> {
  vi.stubGlobal('fetch', () =>
    answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer),
  )
  return new ApiClient('ask_token').log().then(
    () => expect.fail('GET /v1/log did not fail'),
    (error: unknown) => error,
  )
}

afterEach(() => vi.unstubAllGlobals())

describe('the start-up failure', () => {
  describe('when fetch rejects', () => {
    it('is Cannot reach the server', async () => {
      const failure = startupFailureOf(await logFailure(new TypeError('Failed to fetch')))
      expect(failure).toEqual({
        kind: 'unreachable',
        title: 'Cannot reach the server',
        summary: 'The viewer could not load the log: the server could not be reached.',
        advice: 'Retry once the server or the network is back.',
      })
    })
  })

  describe('when the server answers 503', () => {
    it('says the server is up but unavailable, with its message and code', async () => {
      const error = await logFailure(
        apiError(503, 'unavailable', 'the database is unavailable; retry later'),
      )
      const failure = startupFailureOf(error)
      expect(failure.kind).toBe('unavailable')
      expect(failure.title).toBe('The server is temporarily unavailable')
      expect(failure.summary).toBe(
        'The server is up but cannot serve the log right now: the database is unavailable; ' +
          'retry later (HTTP 503, unavailable).',
      )
    })
  })

  describe('when the server answers 500', () => {
    it('says the server answered with an error, with status, code and message', async () => {
      const error = await logFailure(
        apiError(500, 'internal', 'an internal error occurred; quote request id req-7'),
      )
      const failure = startupFailureOf(error)
      expect(failure.kind).toBe('error-response')
      expect(failure.title).toBe('The server answered with an error')
      expect(failure.summary).toBe(
        'The server could not load the log: an internal error occurred; quote request id ' +
          'req-7 (HTTP 500, internal).',
      )
      expect(failure.title + failure.summary).not.toMatch(/reach/)
    })

    it('shows the status line, and no made-up code, when the body is not the API’s', async () => {
      const error = await logFailure(
        new Response('<h1>oops</h1>', { status: 500, statusText: 'Internal Server Error' }),
      )
      expect(error).toMatchObject({ status: 500, code: 'HTTP_500', apiCode: undefined })
      expect(startupFailureOf(error).summary).toBe(
        'The server could not load the log: Internal Server Error (HTTP 500).',
      )
    })
  })

  describe('when /v1/log is not found (the viewer served away from the API)', () => {
    it('says so, and where the viewer looked', async () => {
      const error = await logFailure(
        new Response('<h1>Not Found</h1>', { status: 404, statusText: 'Not Found' }),
      )
      const failure = startupFailureOf(error)
      expect(failure.kind).toBe('error-response')
      expect(failure.summary).toBe('The server could not load the log: Not Found (HTTP 404).')
      expect(failure.advice).toContain('asks for /v1/log on the origin it was loaded from')
    })
  })

  describe('when the answer is not the API’s', () => {
    it('is malformed when a 200 is an HTML page', async () => {
      const error = await logFailure(
        new Response('<!doctype html><title>Welcome</title>', {
          status: 200,
          headers: { 'content-type': 'text/html' },
        }),
      )
      expect(error).toMatchObject({ status: 200, code: 'malformed_response' })
      const failure = startupFailureOf(error)
      expect(failure.kind).toBe('malformed')
      expect(failure.summary).toBe(
        'The viewer could not load the log: the answer to /v1/log is not JSON (HTTP 200).',
      )
    })

    it('is malformed when the JSON is not a log description', async () => {
      for (const body of [{}, [], null, { ...LOG, tree_size: '3' }, { ...LOG, vkey: 7 }]) {
        const error = await logFailure(json(200, body))
        expect(error).toMatchObject({ status: 200, code: 'malformed_response' })
        expect((error as ApiError).message).toContain('not a log description')
      }
    })

    it('accepts a log description', async () => {
      vi.stubGlobal('fetch', () => Promise.resolve(json(200, LOG)))
      expect(await new ApiClient('ask_token').log()).toEqual(LOG)
    })
  })

  describe('when the viewer itself fails', () => {
    it('says it could not open the log, with the error', () => {
      const failure = startupFailureOf(new TypeError('log.origin.slice is not a function'))
      expect(failure.kind).toBe('failed')
      expect(failure.summary).toBe(
        'The viewer could not open the log: log.origin.slice is not a function.',
      )
    })
  })
})
