import type { Config } from '../config/env-schema.ts'
import { createRedisResponseStore } from './redis-store.ts'
import type { ResponseStore } from './response-store.ts'
import { createSqliteResponseStore } from './sqlite-store.ts'

/**
 * Redis when REDIS_URL is set (many replicas share it), else the SQLite file at RESPONSES_DB_PATH
 * (one instance; its workers share the file). Call once per worker at start-up. The SQLite store
 * throws StoreUnavailableError here when its file cannot be opened; the Redis store connects on
 * first use, so a Redis that is down at start-up only fails the calls made while it is down.
 */
export const createResponseStore = (config: Pick<Config, 'redisUrl' | 'responsesDbPath'>): ResponseStore =>
  config.redisUrl === undefined ? createSqliteResponseStore(config.responsesDbPath) : createRedisResponseStore(config.redisUrl)
