import { Elysia } from 'elysia'

export type Lifecycle = { draining: boolean }

const OK = JSON.stringify({ status: 'ok' })
const DRAINING = JSON.stringify({ status: 'draining' })

/** GET /health: no key, no upstream call, no configuration shown; 503 once draining. */
export const healthRoute = (lifecycle: Lifecycle) =>
  new Elysia({ name: 'health' }).get('/health', ({ set }) => {
    set.headers['content-type'] = 'application/json'
    if (lifecycle.draining) {
      set.status = 503
      return DRAINING
    }
    return OK
  })
