import { Elysia } from 'elysia'

export type Lifecycle = { draining: boolean }

const OK = JSON.stringify({ status: 'ok' })
const DRAINING = JSON.stringify({ status: 'draining' })

/**
 * GET /health: no key, no upstream call, no configuration shown; 503 once draining. With a Redis
 * limit store, `redis` says whether it answers (within LIMITS_REDIS_TIMEOUT_MS); a Redis that is
 * down leaves the status 200, since LIMITS_FAIL_MODE, not the orchestrator, decides what then.
 */
export const healthRoute = (lifecycle: Lifecycle, pingRedis?: () => Promise<boolean>) =>
  new Elysia({ name: 'health' }).get('/health', async ({ set }) => {
    set.headers['content-type'] = 'application/json'
    if (lifecycle.draining) {
      set.status = 503
      return DRAINING
    }
    if (!pingRedis) return OK
    return JSON.stringify({ status: 'ok', redis: (await pingRedis()) ? 'ok' : 'unavailable' })
  })
