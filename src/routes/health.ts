import { Elysia } from 'elysia'

export type Lifecycle = { draining: boolean }

const OK = JSON.stringify({ status: 'ok' })
const DRAINING = JSON.stringify({ status: 'draining' })
const DEGRADED = JSON.stringify({ status: 'degraded' })

/**
 * GET /health: no key, no upstream call, no configuration shown; 503 once draining, or while no
 * pool member can take a request (`degraded`).
 */
export const healthRoute = (lifecycle: Lifecycle, upstreamUsable: () => boolean) =>
  new Elysia({ name: 'health' }).get('/health', ({ set }) => {
    set.headers['content-type'] = 'application/json'
    if (lifecycle.draining) {
      set.status = 503
      return DRAINING
    }
    if (!upstreamUsable()) {
      set.status = 503
      return DEGRADED
    }
    return OK
  })
