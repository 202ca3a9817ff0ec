import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TextArray, TextBytes } from '../../src/db/binary-params.js'
import { DbError } from '../../src/db/errors.js'
import { ENGINES, type TestDatabase } from '../support/databases.js'

// The sealer and the queries rely on both engines handing back the same JS values.
describe.each(ENGINES)('values on $name', ({ create }) => {
  let t: TestDatabase

  beforeAll(async () => {
    t = await create({ migrate: false })
  })
  afterAll(() => t?.drop())

  it('returns int8 as a number, bytea as a plain Uint8Array, timestamptz as a Date', async () => {
    const [row] = await t.db.adminQuery(
      `SELECT 9007199254740991::int8 AS big, ARRAY[1, 2]::int8[] AS bigs,
         '\\x00ff'::bytea AS bytes, ARRAY['\\x01'::bytea, '\\x0203'::bytea] AS byte_list,
         '2026-01-02T03:04:05.678Z'::timestamptz AS at,
         'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'::uuid AS id, count(*) AS n`,
    )
    expect(row).toEqual({
      big: 9007199254740991,
      bigs: [1, 2],
      bytes: new Uint8Array([0, 255]),
      byte_list: [new Uint8Array([1]), new Uint8Array([2, 3])],
      at: new Date('2026-01-02T03:04:05.678Z'),
      id: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      n: 1,
    })
    expect(Object.getPrototypeOf(row!.bytes)).toBe(Uint8Array.prototype)
    expect(Object.getPrototypeOf((row!.byte_list as Uint8Array[])[1])).toBe(Uint8Array.prototype)
  })

  it('takes Uint8Array, Uint8Array[], Date and number parameters', async () => {
    const at = new Date('2026-05-06T07:08:09.010Z')
    const [row] = await t.db.adminQuery(
      `SELECT $1::bytea AS bytes, $2::bytea[] AS byte_list, $3::timestamptz AS at,
         $4::int8 + 1 AS next`,
      [new Uint8Array([9, 8]), [new Uint8Array([1]), new Uint8Array([])], at, 41],
    )
    expect(row).toEqual({
      bytes: new Uint8Array([9, 8]),
      byte_list: [new Uint8Array([1]), new Uint8Array([])],
      at,
      next: 42,
    })
  })

  it("takes text and text[] parameters written as bytes (the sealer's), whatever they hold", async () => {
    const values = [
      '',
      'plain',
      'a"b\\c,{d}',
      ' spaced ',
      'NULL',
      null,
      'é😀\u2028',
      'x'.repeat(5000),
    ]
    const storage = Buffer.alloc(TextArray.maxBytes(values) + 7)
    // Written at an offset, as the sealer writes several arrays into one buffer.
    const array = TextArray.write(values, storage, 7)
    const [row] = await t.db.adminQuery(
      `SELECT $1::text[] AS list, cardinality($1::text[]) AS n, $2::text AS text,
         (SELECT count(*) FROM unnest($1::text[]) AS v WHERE v IS NULL) AS nulls`,
      [array, new TextBytes(Buffer.from('line 1\nline 2 é', 'utf8'))],
    )
    expect(row).toEqual({ list: values, n: values.length, text: 'line 1\nline 2 é', nulls: 1 })
    const [empty] = await t.db.adminQuery(`SELECT cardinality($1::text[]) AS n`, [
      TextArray.write([], Buffer.alloc(TextArray.maxBytes([])), 0),
    ])
    expect(empty).toEqual({ n: 0 })
  })

  it('refuses an int8 past 2^53 - 1 rather than round it', async () => {
    const error = await t.db
      .adminQuery('SELECT 9007199254740993::int8 AS too_big')
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DbError)
    expect(error).toMatchObject({ code: 'UNSAFE_INTEGER' })
  })
})
