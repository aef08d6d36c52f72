import type { KeyLimits } from '../auth/client-keys.ts'

/**
 * The limit arithmetic both stores apply (the Redis store as a Lua script that mirrors it):
 * rpm and tpm are token buckets that refill continuously to their limit over a minute, so no
 * window edge lets a burst through twice; budgets are counters per UTC day and month; a request
 * holds a concurrency slot until it ends, or for ACTIVE_LEASE_MS at most if its process died.
 */
export const MINUTE_MS = 60_000
export const ACTIVE_LEASE_MS = 15 * MINUTE_MS

export type Bucket = { level: number; at: number }

/** What the store read for one key, inside the same atomic step that writes the result. */
export type KeyCounters = {
  requests: Bucket | undefined
  tokens: Bucket | undefined
  /** Requests in flight (expired leases already dropped). */
  active: number
  dayTokens: number
  monthTokens: number
}

export type Refusal = 'rpm' | 'tpm' | 'max_concurrent' | 'daily_token_budget' | 'monthly_token_budget'

export type Decision = {
  refusal: Refusal | undefined
  /** Buckets after the decision (charged when admitted), for the store to write and the headers. */
  requests: Bucket | undefined
  tokens: Bucket | undefined
  retryAfterMs: number
}

/** A bucket's level at `now`: refilled at limit per minute, never above the limit. */
export const refill = (bucket: Bucket | undefined, limit: number, now: number): Bucket =>
  bucket === undefined ? { level: limit, at: now } : { level: Math.min(limit, bucket.level + ((now - bucket.at) * limit) / MINUTE_MS), at: now }

/** Milliseconds until a bucket at `level` holds `need`. */
const waitFor = (level: number, need: number, limit: number) => Math.max(0, Math.ceil(((need - level) * MINUTE_MS) / limit))

const startOfNextUtcDay = (now: number) => {
  const date = new Date(now)
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() + 1)
}

const startOfNextUtcMonth = (now: number) => {
  const date = new Date(now)
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1)
}

/** The UTC day and month a request is counted in: `2026-12-02`, `2026-12`. */
export const periodsOf = (now: number) => {
  const day = new Date(now).toISOString().slice(0, 10)
  return { day, month: day.slice(0, 7), dayEndsAt: startOfNextUtcDay(now), monthEndsAt: startOfNextUtcMonth(now) }
}

/**
 * Admit or refuse one request that would use `tokens` (the estimate), checking budgets first
 * (a spent budget is not cured by waiting a minute), then concurrency, then the buckets. A
 * request larger than the whole tpm needs a full bucket rather than being refused for ever.
 */
export const decide = (counters: KeyCounters, limits: KeyLimits, tokens: number, now: number): Decision => {
  const requests = limits.rpm === undefined ? undefined : refill(counters.requests, limits.rpm, now)
  const tokenBucket = limits.tpm === undefined ? undefined : refill(counters.tokens, limits.tpm, now)
  const refuse = (refusal: Refusal, retryAfterMs: number): Decision => ({ refusal, requests, tokens: tokenBucket, retryAfterMs })
  const periods = periodsOf(now)
  if (limits.monthly_token_budget !== undefined && counters.monthTokens + tokens > limits.monthly_token_budget) {
    return refuse('monthly_token_budget', periods.monthEndsAt - now)
  }
  if (limits.daily_token_budget !== undefined && counters.dayTokens + tokens > limits.daily_token_budget) {
    return refuse('daily_token_budget', periods.dayEndsAt - now)
  }
  if (limits.max_concurrent !== undefined && counters.active >= limits.max_concurrent) return refuse('max_concurrent', 1000)
  if (requests && limits.rpm !== undefined && requests.level < 1) return refuse('rpm', waitFor(requests.level, 1, limits.rpm))
  if (tokenBucket && limits.tpm !== undefined) {
    const need = Math.min(tokens, limits.tpm)
    if (tokenBucket.level < need) return refuse('tpm', waitFor(tokenBucket.level, need, limits.tpm))
  }
  return {
    refusal: undefined,
    requests: requests && { level: requests.level - 1, at: now },
    tokens: tokenBucket && { level: tokenBucket.level - tokens, at: now },
    retryAfterMs: 0,
  }
}

/** The token bucket after a request ends: the estimate it reserved is swapped for what it used. */
export const settleBucket = (bucket: Bucket | undefined, limit: number, reserved: number, used: number, now: number): Bucket => {
  const level = refill(bucket, limit, now)
  return { level: Math.min(limit, level.level + reserved - used), at: now }
}
