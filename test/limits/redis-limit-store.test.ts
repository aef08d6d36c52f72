import { describe, expect, test } from 'bun:test'
import { createRedisLimitStore } from '../../src/limits/redis-limit-store.ts'
import { useRedisServer } from '../support/redis-server.ts'
import { describeLimitStoreContract } from './limit-store-contract.ts'

const redis = useRedisServer()

describeLimitStoreContract('redis', () => createRedisLimitStore(redis.server.url, 250))

describe('redis: the layout and failures', () => {
  const limits = { rpm: 5, tpm: 1000, max_concurrent: 3, daily_token_budget: 10_000, monthly_token_budget: 100_000 }

  test("every key carries the key name's hash tag and a TTL", async () => {
    const store = createRedisLimitStore(redis.server.url, 250)
    await store.reserve({ name: 'tenant-7', limits, id: 'r1', tokens: 10, now: Date.now() })
    const keys = (await redis.raw.send('KEYS', ['{gw:lim:tenant-7}*'])) as string[]
    expect(keys.sort().map((key) => key.replace(/\d{4}-\d{2}(-\d{2})?$/, 'P'))).toEqual([
      '{gw:lim:tenant-7}:a',
      '{gw:lim:tenant-7}:b',
      '{gw:lim:tenant-7}:d:P',
      '{gw:lim:tenant-7}:m:P',
    ])
    for (const key of keys) expect(await redis.raw.send('PTTL', [key])).toBeGreaterThan(0)
    store.close()
  })

  test('after a script cache flush the next call loads the script again', async () => {
    const store = createRedisLimitStore(redis.server.url, 250)
    await store.reserve({ name: 'flushed', limits, id: 'r1', tokens: 1, now: Date.now() })
    await redis.raw.send('SCRIPT', ['FLUSH'])
    expect((await store.reserve({ name: 'flushed', limits, id: 'r2', tokens: 1, now: Date.now() })).refusal).toBeUndefined()
    store.close()
  })

  test('a Redis that stops answering fails each call within the timeout; it recovers when Redis does', async () => {
    const store = createRedisLimitStore(redis.server.url, 200)
    await store.reserve({ name: 'paused', limits, id: 'r1', tokens: 1, now: Date.now() })
    redis.server.pause()
    try {
      const started = performance.now()
      await expect(store.reserve({ name: 'paused', limits, id: 'r2', tokens: 1, now: Date.now() })).rejects.toThrow()
      expect(performance.now() - started).toBeLessThan(1000)
      expect(await store.ping()).toBe(false)
    } finally {
      redis.server.resume()
    }
    expect((await store.reserve({ name: 'paused', limits, id: 'r3', tokens: 1, now: Date.now() })).refusal).toBeUndefined()
    store.close()
  })
})
