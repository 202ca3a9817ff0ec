import { describe, expect, it } from 'vitest'
import { parseCredential } from '../src/state/credential.js'
import { searchOfViewState, viewStateFromSearch } from '../src/state/filters.js'

describe('the view state in the URL', () => {
  it('round-trips every API filter and the open event', () => {
    const state = {
      filter: {
        q: 'SN 42',
        type: 'device.*',
        outcome: 'failure',
        actor_type: 'user',
        actor_id: 'ada',
        target_type: 'device',
        target_id: 'd-1',
        from: '2024-06-12T00:00:00.000Z',
        to: '2024-06-13T00:00:00.000Z',
      },
      eventId: '0190163d-8694-739b-aea5-966c26f8ad91',
    }
    expect(viewStateFromSearch(searchOfViewState(state))).toEqual(state)
  })

  it('drops empty and unknown parameters', () => {
    expect(viewStateFromSearch('?type=&foo=bar&actor_id=%20ada%20')).toEqual({
      filter: { actor_id: 'ada' },
    })
  })
})

describe('parseCredential', () => {
  const jwt = (payload: object) =>
    `eyJhbGciOiJIUzI1NiJ9.${btoa(JSON.stringify(payload)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')}.c2ln`

  it('reads the claims of a JWT', () => {
    const credential = parseCredential(
      `Bearer ${jwt({ sub: 'ada', tenant_id: 't', roles: ['admin', 'auditor'], exp: 1 })}`,
    )
    expect(credential).toMatchObject({
      kind: 'jwt',
      claims: { sub: 'ada', tenant_id: 't', roles: ['admin', 'auditor'], exp: 1 },
    })
  })

  it('knows an API key by its prefix', () => {
    expect(parseCredential(' ask_abc123 ')).toEqual({ kind: 'api_key', token: 'ask_abc123' })
  })

  it.each(['', 'hello', 'a.b.c', 'ask_ x'])('rejects %j', (input) => {
    expect(() => parseCredential(input)).toThrow()
  })
})
