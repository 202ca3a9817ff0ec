import { canonicalJson, isUuidV7 } from '@auditseal/core'
import { describe, expect, it } from 'vitest'
import { prepareBatch } from '../../src/http/services/ingest.js'

const TENANT = '0192e7a0-0000-7000-8000-000000000001'

const input = (i: number) => ({
  v: 1,
  type: 'device.updated',
  outcome: 'success',
  occurred_at: '2026-12-01T10:00:00.000Z',
  actor: { type: 'user', id: `user-${i}` },
})

describe('prepareBatch', () => {
  it('fills tenant_id and id into the parsed body’s own objects', () => {
    const body = JSON.parse(JSON.stringify({ events: [input(0), input(1)] })) as {
      events: Record<string, unknown>[]
    }
    const events = prepareBatch(TENANT, body.events)
    expect(events[0]).toBe(body.events[0])
    expect(events.map((e) => e.tenant_id)).toEqual([TENANT, TENANT])
    expect(events.every((e) => isUuidV7(e.id))).toBe(true)
    expect(events[0]?.id).not.toBe(events[1]?.id)
    // What is sealed is the event with the members filled in, in canonical order.
    expect(JSON.parse(canonicalJson(events[0] as never))).toEqual({
      ...input(0),
      tenant_id: TENANT,
      id: events[0]?.id,
    })
  })

  it('copies an input it cannot add members to, and leaves that input as it was', () => {
    const frozen = Object.freeze(input(2))
    const [event] = prepareBatch(TENANT, [frozen])
    expect(event).not.toBe(frozen)
    expect(event).toMatchObject({ ...input(2), tenant_id: TENANT })
    expect(Object.keys(frozen)).not.toContain('tenant_id')
  })

  it('gives an object listed twice two events with ids of their own', () => {
    const shared = input(4)
    const events = prepareBatch(TENANT, [shared, shared])
    expect(events[0]).not.toBe(events[1])
    expect(events[0]?.id).not.toBe(events[1]?.id)
  })

  it('copies an input whose prototype is not a plain object’s instead of writing through it', () => {
    let written = false
    class Input {
      set id(_: unknown) {
        written = true
      }
    }
    const instance = Object.assign(new Input(), input(5))
    const [event] = prepareBatch(TENANT, [instance])
    expect(written).toBe(false)
    expect(event).not.toBe(instance)
    expect(Object.getPrototypeOf(event)).toBe(Object.prototype)
    expect(isUuidV7(event?.id ?? '')).toBe(true)
  })

  it('keeps a given id and tenant_id', () => {
    const id = '01a22f83-126a-7608-87b1-ff427c770673'
    const [event] = prepareBatch(TENANT, [{ ...input(3), id, tenant_id: TENANT }])
    expect(event).toMatchObject({ id, tenant_id: TENANT })
  })

  it('reaches the same verdicts on a parsed body when told it is one (parsedJson)', () => {
    const text = JSON.stringify({
      events: [input(0), { ...input(1), outcome: 'maybe' }, { ...input(2), data: { s: '\ud800' } }],
    })
    const refusal = (parsedJson: boolean) => {
      const body = JSON.parse(text) as { events: unknown[] }
      try {
        prepareBatch(TENANT, body.events, {
          parsedJson,
          newId: () => '0192e7a0-0000-7000-8000-0000000000aa',
        })
      } catch (error) {
        return error
      }
      throw new Error('the batch was accepted')
    }
    const [parsed, plain] = [refusal(true), refusal(false)] as { details: unknown }[]
    expect(parsed).toEqual(plain)
    expect(parsed?.details).toEqual(plain?.details)
    expect(parsed).toMatchObject({ code: 'invalid_event', details: [{ index: 1 }, { index: 2 }] })
    const valid = JSON.stringify({ events: [input(0), { ...input(1), data: { list: [1, 'a'] } }] })
    const ids = (parsedJson: boolean) =>
      prepareBatch(TENANT, (JSON.parse(valid) as { events: unknown[] }).events, { parsedJson }).map(
        (e) => e.type,
      )
    expect(ids(true)).toEqual(ids(false))
  })
})
