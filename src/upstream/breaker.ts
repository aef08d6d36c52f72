export type BreakerSettings = {
  /** Failures in a row that open the breaker. */
  failures: number
  /** Requests in the window before the ratio counts. */
  minRequests: number
  /** Open when more than this share of the window failed. */
  ratio: number
  windowMs: number
  cooldownMs: number
}

export type BreakerState = 'closed' | 'open' | 'half_open'

/** success: the upstream answered (a 400 too); released: no verdict (the client left). */
export type BreakerResult = 'success' | 'failure' | 'auth_failure' | 'released'

/** A key the upstream refused will not fix itself in seconds: it stays out this long before a probe. */
export const AUTH_COOLDOWN_MS = 300_000

/** The window is kept as this many counting buckets, so memory stays fixed at any request rate. */
const BUCKETS = 10

/**
 * One upstream's circuit breaker on an injected millisecond clock. Closed, it counts; it opens
 * after `failures` in a row, or more than `ratio` of at least `minRequests` in the window; open,
 * it refuses until the cooldown (or a longer retry-after) is over; then the next request is the
 * single probe (half open) whose result closes or reopens it.
 */
export const createBreaker = (settings: BreakerSettings, now: () => number) => {
  let state: BreakerState = 'closed'
  let openUntil = 0
  let inARow = 0
  const width = settings.windowMs / BUCKETS
  const stamps = new Array<number>(BUCKETS).fill(-1)
  const okCounts = new Array<number>(BUCKETS).fill(0)
  const failedCounts = new Array<number>(BUCKETS).fill(0)

  const count = (failed: boolean) => {
    const tick = Math.floor(now() / width)
    const i = tick % BUCKETS
    if (stamps[i] !== tick) {
      stamps[i] = tick
      okCounts[i] = 0
      failedCounts[i] = 0
    }
    if (failed) (failedCounts[i] as number)++
    else (okCounts[i] as number)++
  }

  const windowFailing = () => {
    const oldest = Math.floor(now() / width) - BUCKETS
    let total = 0
    let failed = 0
    for (let i = 0; i < BUCKETS; i++) {
      if ((stamps[i] as number) <= oldest) continue
      total += (okCounts[i] as number) + (failedCounts[i] as number)
      failed += failedCounts[i] as number
    }
    return total >= settings.minRequests && failed / total > settings.ratio
  }

  const open = (ms: number) => {
    state = 'open'
    openUntil = now() + ms
    inARow = 0
    stamps.fill(-1)
  }

  return {
    get state() {
      return state
    },
    /** May it take a request now (closed, or open with the cooldown over and no probe out)? */
    available: () => state === 'closed' || (state === 'open' && now() >= openUntil),
    /** When it will next be available, on the same clock (0 when it is). */
    availableAt: () => (state === 'closed' ? 0 : state === 'open' ? openUntil : now() + settings.cooldownMs),
    /** Called for the request it was chosen for: after a cooldown, that request is the probe. */
    take() {
      if (state === 'open') state = 'half_open'
    },
    /**
     * The result of a request it took; returns the state it moved to, if it moved. `mayOpen` false
     * (no other upstream could take its requests) keeps it in after an ordinary failure, as a pool
     * of one: its callers then get the upstream's own answers instead of 503s for all.
     */
    record(result: BreakerResult, retryAfterMs = 0, mayOpen = true): BreakerState | undefined {
      const before = state
      if (result === 'released') {
        if (state === 'half_open') open(0)
      } else if (result === 'auth_failure') {
        open(Math.max(AUTH_COOLDOWN_MS, retryAfterMs))
      } else if (state === 'half_open') {
        if (result === 'success' || !mayOpen) state = 'closed'
        else open(Math.max(settings.cooldownMs, retryAfterMs))
      } else if (state === 'closed') {
        count(result === 'failure')
        inARow = result === 'failure' ? inARow + 1 : 0
        const failing = inARow >= settings.failures || (result === 'failure' && windowFailing())
        if (failing && mayOpen) open(Math.max(settings.cooldownMs, retryAfterMs))
      }
      return state === before ? undefined : state
    },
  }
}

export type Breaker = ReturnType<typeof createBreaker>
