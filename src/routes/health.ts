import { Elysia } from 'elysia'

export type Lifecycle = { draining: boolean }

const OK = JSON.stringify({ status: 'ok' })
const DRAINING = JSON.stringify({ status: 'draining' })
const DEGRADED = JSON.stringify({ status: 'degraded' })

/**
 * GET /health: no key, no upstream call, no configuration shown; 503 once draining. `degraded`
 * while no pool member can take a request: still 200, since restarting or unrouting the gateway
 * would not bring an upstream back (its callers get 503 all_upstreams_unavailable with
 * retry-after meanwhile). With a Redis limit store, `redis` says whether it answers (within
 * LIMITS_REDIS_TIMEOUT_MS); LIMITS_FAIL_MODE, not the orchestrator, decides what an outage means.
 */
export const healthRoute = (lifecycle: Lifecycle, upstreamUsable: () => boolean, pingRedis?: () => Promise<boolean>) =>
  new Elysia({ name: 'health' }).get('/health', async ({ set }) => {
    set.headers['content-type'] = 'application/json'
    if (lifecycle.draining) {
      set.status = 503
      return DRAINING
    }
    const status = upstreamUsable() ? 'ok' : 'degraded'
    if (!pingRedis) return status === 'ok' ? OK : DEGRADED
    return JSON.stringify({ status, redis: (await pingRedis()) ? 'ok' : 'unavailable' })
  })
