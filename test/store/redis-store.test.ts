import { describe, expect, test } from 'bun:test'
import { createRedisResponseStore } from '../../src/store/redis-store.ts'
import { type ResponseStore, StoreUnavailableError } from '../../src/store/response-store.ts'
import { freePort } from '../support/processes.ts'
import { startRedisServer, useRedisServer } from '../support/redis-server.ts'
import { describeResponseStoreContract, sampleRecord } from './response-store-contract.ts'

const redis = useRedisServer()

describeResponseStoreContract('redis', () => createRedisResponseStore(redis.server.url))

/** Every operation rejects with StoreUnavailableError, each within `withinMs`. */
const expectUnavailable = async (store: ResponseStore, withinMs: number) => {
  const record = sampleRecord()
  const operations = [
    () => store.put(record),
    () => store.get(record.id, record.keyId),
    () => store.delete(record.id, record.keyId),
    () => store.findItem('msg_1', record.keyId),
  ]
  for (const operation of operations) {
    const started = performance.now()
    await expect(operation()).rejects.toThrow(StoreUnavailableError)
    expect(performance.now() - started).toBeLessThan(withinMs)
  }
  expect(await store.ping()).toBe(false)
}

describe('redis: the layout', () => {
  test("every key carries its client key's hash tag and expires", async () => {
    const store = createRedisResponseStore(redis.server.url)
    await store.put(sampleRecord({ keyId: 'tenant-7' }))
    const keys = (await redis.raw.send('KEYS', ['{gw:resp:tenant-7}*'])) as string[]
    expect(keys.length).toBe(3)
    for (const key of keys) {
      expect(key).toMatch(/^\{gw:resp:tenant-7\}:[ri]:/)
      expect(await redis.raw.send('PTTL', [key])).toBeGreaterThan(0)
    }
    await store.close()
  })

  test('a record that lost one of its items (evicted) answers as absent, not half', async () => {
    const store = createRedisResponseStore(redis.server.url)
    const record = sampleRecord({ keyId: 'tenant-evicted' })
    await store.put(record)
    await redis.raw.send('DEL', [`{gw:resp:tenant-evicted}:i:${encodeURIComponent(record.items[1]?.id ?? '')}`])
    expect(await store.get(record.id, record.keyId)).toBeUndefined()
    await store.close()
  })
})

describe('redis: when Redis is not there, StoreUnavailableError within the timeout, never a hang', () => {
  test('nothing listening on the port', async () => {
    const store = createRedisResponseStore(`redis://127.0.0.1:${await freePort()}`)
    await expectUnavailable(store, 1500)
    await store.close()
  })

  test('the password of REDIS_URL never shows in the error', async () => {
    const store = createRedisResponseStore(`redis://gw:hunter2@127.0.0.1:${await freePort()}`)
    const error = await store.get('resp_1', 'k').catch((caught: unknown) => caught as Error)
    expect(error).toBeInstanceOf(StoreUnavailableError)
    expect((error as Error).message).toContain('redis://gw:***@127.0.0.1')
    expect((error as Error).message).not.toContain('hunter2')
    await store.close()
  })

  test('a server stopped mid-way, then started again on its port: the same store recovers', async () => {
    const own = await startRedisServer()
    const store = createRedisResponseStore(own.url)
    const record = sampleRecord()
    await store.put(record)
    await own.stop()
    await expectUnavailable(store, 1500)
    const again = await startRedisServer({ port: own.port })
    try {
      // No persistence: the record went with the server; the store works again at once.
      expect(await store.get(record.id, record.keyId)).toBeUndefined()
      await store.put(record)
      expect(await store.get(record.id, record.keyId)).toEqual(record)
    } finally {
      await store.close()
      await again.stop()
    }
  })

  test('a server that stops answering: each call ends at the timeout, and calls work once it answers', async () => {
    const own = await startRedisServer()
    const store = createRedisResponseStore(own.url, { timeoutMs: 300 })
    const record = sampleRecord()
    try {
      await store.put(record)
      own.pause()
      await expectUnavailable(store, 600)
      own.resume()
      expect(await store.get(record.id, record.keyId)).toEqual(record)
    } finally {
      await store.close()
      await own.stop()
    }
  })
})
