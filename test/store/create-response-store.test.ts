import { afterAll, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RedisClient } from 'bun'
import { createResponseStore } from '../../src/store/create-response-store.ts'
import { startRedisServer, stopRedisServers } from '../support/redis-server.ts'
import { sampleRecord } from './response-store-contract.ts'

const dir = mkdtempSync(join(tmpdir(), 'gateway-create-store-'))
afterAll(async () => {
  await stopRedisServers()
  rmSync(dir, { recursive: true, force: true })
})

test('without REDIS_URL, the SQLite file at RESPONSES_DB_PATH', async () => {
  const responsesDbPath = join(dir, 'data', 'responses.sqlite')
  const store = createResponseStore({ redisUrl: undefined, responsesDbPath })
  const record = sampleRecord()
  await store.put(record)
  expect(existsSync(responsesDbPath)).toBe(true)
  expect(await store.get(record.id, record.keyId)).toEqual(record)
  await store.close()
})

test('with REDIS_URL, Redis, and no SQLite file', async () => {
  const server = await startRedisServer()
  const responsesDbPath = join(dir, 'unused', 'responses.sqlite')
  const store = createResponseStore({ redisUrl: server.url, responsesDbPath })
  const record = sampleRecord({ keyId: 'via-redis' })
  await store.put(record)
  const raw = new RedisClient(server.url)
  expect(await raw.send('EXISTS', [`{gw:resp:via-redis}:r:${record.id}`])).toBe(1)
  raw.close()
  expect(existsSync(responsesDbPath)).toBe(false)
  await store.close()
})
