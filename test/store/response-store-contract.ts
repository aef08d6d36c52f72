import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { ResponseStore, StoredItem, StoredResponse } from '../../src/store/response-store.ts'

const KEY = 'key-a'
// Names that would break naïvely built Redis keys or SQL: hash-tag braces, separators, a newline.
const OTHER_KEY = 'key-a}:r:{x'
const HOUR = 3600

const nowSeconds = () => Date.now() / 1000
let counter = 0

/** A record as the Responses feature stores it: unicode, nesting, a thinking block, odd item ids. */
export const sampleRecord = (over: Partial<StoredResponse> = {}): StoredResponse => {
  counter += 1
  const id = `resp_${counter}_${Math.random().toString(36).slice(2, 8)}`
  const createdAt = Math.floor(nowSeconds())
  return {
    id,
    keyId: KEY,
    createdAt,
    expiresAt: createdAt + HOUR,
    data: {
      response: { id, object: 'response', status: 'completed', usage: { input_tokens: 12, output_tokens: 3 } },
      history: [
        { role: 'user', content: 'héllo ✓ "quoted"\nline two' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'hmm', signature: 'c2ln==' },
            { type: 'text', text: 'hi' },
          ],
        },
      ],
      metadata: null,
    },
    items: [
      { id: `msg_${counter}`, item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'héllo' }] } },
      { id: `fc_${counter}}:i:{x\ny`, item: { type: 'function_call', call_id: 'call_1', name: 'f', arguments: '{}' } },
    ],
    ...over,
  }
}

const waitUntilPast = async (expiresAt: number) => {
  await Bun.sleep(Math.max(0, expiresAt * 1000 - Date.now()) + 50)
}

/**
 * The behaviour every ResponseStore back end owes the Responses routes. `open` gives a new store on
 * the same back end (a new file handle, a new Redis client) each time it is called.
 */
export const describeResponseStoreContract = (backEnd: string, open: () => ResponseStore) => {
  describe(`${backEnd}: the response store contract`, () => {
    let store: ResponseStore
    beforeAll(() => {
      store = open()
    })
    afterAll(async () => {
      await store.close()
    })

    test('put, then get returns the whole record with its items in order, or with none', async () => {
      const record = sampleRecord()
      const itemless = sampleRecord({ items: [] })
      await store.put(record)
      await store.put(itemless)
      expect(await store.get(record.id, KEY)).toEqual(record)
      expect(await store.get(itemless.id, KEY)).toEqual(itemless)
    })

    test('an unknown id is absent: get, delete and findItem', async () => {
      expect(await store.get('resp_unknown', KEY)).toBeUndefined()
      expect(await store.delete('resp_unknown', KEY)).toBe(false)
      expect(await store.findItem('msg_unknown', KEY)).toBeUndefined()
    })

    test("another key's id answers as absent, and deleting it there leaves it in place", async () => {
      const record = sampleRecord()
      await store.put(record)
      expect(await store.get(record.id, OTHER_KEY)).toBeUndefined()
      expect(await store.delete(record.id, OTHER_KEY)).toBe(false)
      expect(await store.findItem(record.items[0]?.id ?? '', OTHER_KEY)).toBeUndefined()
      expect(await store.get(record.id, KEY)).toEqual(record)
    })

    test('the same response id under two keys is two records', async () => {
      const mine = sampleRecord()
      const theirs = { ...mine, keyId: OTHER_KEY, data: { other: true }, items: [{ id: 'msg_theirs', item: 'x' }] }
      await store.put(mine)
      await store.put(theirs)
      expect(await store.get(mine.id, KEY)).toEqual(mine)
      expect(await store.get(mine.id, OTHER_KEY)).toEqual(theirs)
      expect(await store.delete(mine.id, OTHER_KEY)).toBe(true)
      expect(await store.get(mine.id, KEY)).toEqual(mine)
    })

    test('delete removes the record and its items; a second delete is false', async () => {
      const record = sampleRecord()
      await store.put(record)
      expect(await store.delete(record.id, KEY)).toBe(true)
      expect(await store.get(record.id, KEY)).toBeUndefined()
      for (const item of record.items) expect(await store.findItem(item.id, KEY)).toBeUndefined()
      expect(await store.delete(record.id, KEY)).toBe(false)
    })

    test('findItem finds an item of any response of the key; the latest written copy of an id wins', async () => {
      const first = sampleRecord({
        items: [
          { id: 'msg_shared', item: { version: 1 } },
          { id: 'msg_only_first', item: 1 },
        ],
      })
      const second = sampleRecord({ items: [{ id: 'msg_shared', item: { version: 2 } }] })
      await store.put(first)
      await store.put(second)
      expect(await store.findItem('msg_only_first', KEY)).toBe(1)
      expect(await store.findItem('msg_shared', KEY)).toEqual({ version: 2 })
      await store.delete(second.id, KEY)
      expect(await store.findItem('msg_shared', KEY)).toEqual({ version: 1 })
      await store.delete(first.id, KEY)
      expect(await store.findItem('msg_shared', KEY)).toBeUndefined()
    })

    test('a put of an existing id replaces the record and its items', async () => {
      const record = sampleRecord()
      const replacement: StoredResponse = { ...record, data: { replaced: true }, items: [{ id: 'msg_new', item: 'new' }] }
      await store.put(record)
      await store.put(replacement)
      expect(await store.get(record.id, KEY)).toEqual(replacement)
      expect(await store.findItem(record.items[0]?.id ?? '', KEY)).toBeUndefined()
      expect(await store.findItem('msg_new', KEY)).toBe('new')
    })

    test('a record past its expiresAt answers as absent, and its items with it', async () => {
      const lasting = sampleRecord({ items: [{ id: 'msg_expiry', item: 'lasting' }] })
      const brief = sampleRecord({ expiresAt: nowSeconds() + 1, items: [{ id: 'msg_expiry', item: 'brief' }] })
      const stillborn = sampleRecord({ expiresAt: nowSeconds() - 1 })
      await store.put(lasting)
      await store.put(brief)
      await store.put(stillborn)
      expect(await store.get(stillborn.id, KEY)).toBeUndefined()
      expect(await store.findItem('msg_expiry', KEY)).toBe('brief')
      expect(await store.get(brief.id, KEY)).toEqual(brief)
      await waitUntilPast(brief.expiresAt)
      expect(await store.get(brief.id, KEY)).toBeUndefined()
      expect(await store.delete(brief.id, KEY)).toBe(false)
      expect(await store.findItem('msg_expiry', KEY)).toBe('lasting')
    })

    test('concurrent puts all land whole', async () => {
      const records = Array.from({ length: 40 }, () => sampleRecord())
      await Promise.all(records.map((record) => store.put(record)))
      const read = await Promise.all(records.map((record) => store.get(record.id, KEY)))
      expect(read).toEqual(records)
    })

    test('a reader never sees a record half-replaced', async () => {
      const base = sampleRecord()
      const versioned = (version: number): StoredResponse => ({
        ...base,
        data: { version },
        items: Array.from({ length: 3 }, (_, index): StoredItem => ({ id: `msg_v${version}_${index}`, item: { version } })),
      })
      await store.put(versioned(0))
      const reads: Promise<StoredResponse | undefined>[] = []
      const writes: Promise<void>[] = []
      for (let version = 1; version <= 30; version += 1) {
        writes.push(store.put(versioned(version)))
        reads.push(store.get(base.id, KEY))
      }
      await Promise.all(writes)
      for (const read of await Promise.all(reads)) {
        const { version } = read!.data as { version: number }
        expect(read).toEqual(versioned(version))
      }
    })

    test('a new store on the same back end sees what the first one wrote', async () => {
      const record = sampleRecord()
      await store.put(record)
      const reopened = open()
      try {
        expect(await reopened.get(record.id, KEY)).toEqual(record)
        expect(await reopened.findItem(record.items[0]?.id ?? '', KEY)).toEqual(record.items[0]?.item)
        expect(await reopened.ping()).toBe(true)
      } finally {
        await reopened.close()
      }
    })
  })
}
