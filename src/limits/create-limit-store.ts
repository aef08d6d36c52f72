import type { Config } from '../config/env-schema.ts'
import type { LimitStore } from './limit-store.ts'
import { createRedisLimitStore } from './redis-limit-store.ts'
import { createSqliteLimitStore } from './sqlite-limit-store.ts'

/**
 * The store the limits of this process use: Redis when REDIS_URL is set (shared by replicas),
 * else the SQLite file of LIMITS_DB_PATH (shared by this instance's workers; the launcher always
 * sets it), else an in-memory database for an app run on its own (tests, embedding).
 */
export const createLimitStore = (config: Pick<Config, 'redisUrl' | 'limitsRedisTimeoutMs' | 'limitsDbPath' | 'limitsDbSync'>): LimitStore =>
  config.redisUrl === undefined
    ? createSqliteLimitStore(config.limitsDbPath ?? ':memory:', { sync: config.limitsDbSync })
    : createRedisLimitStore(config.redisUrl, config.limitsRedisTimeoutMs)
