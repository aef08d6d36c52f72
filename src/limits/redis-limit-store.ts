import { createRedisConnection } from '../store/redis-connection.ts'
import { ACTIVE_LEASE_MS, type Bucket, type Decision, periodsOf, type Refusal } from './limit-rules.ts'
import { emptyPeriod, type LimitStore, type PeriodUsage } from './limit-store.ts'
import { READ_SCRIPT, RESERVE_SCRIPT, SETTLE_SCRIPT } from './redis-limit-scripts.ts'

const DAY_MS = 24 * 3600 * 1000

/** The four keys of one key name on one day; names are limited to [A-Za-z0-9._-], so the tag is safe. */
const keysOf = (name: string, day: string, month: string) => {
  const tag = `{gw:lim:${name}}`
  return [`${tag}:b`, `${tag}:a`, `${tag}:d:${day}`, `${tag}:m:${month}`]
}

const optional = (value: number | undefined) => (value === undefined ? '' : String(value))

const toBucket = (level: string, at: number): Bucket | undefined => (level === '' ? undefined : { level: Number(level), at })

const toHash = (flat: unknown): Record<string, string> => {
  const hash: Record<string, string> = {}
  const list = (flat ?? []) as string[]
  for (let i = 0; i + 1 < list.length; i += 2) hash[list[i] as string] = list[i + 1] as string
  return hash
}

const toPeriod = (hash: Record<string, string>): PeriodUsage => ({
  ...emptyPeriod(),
  ...Object.fromEntries(
    ['requests', 'tokens', 'prompt_tokens', 'completion_tokens'].filter((field) => field in hash).map((field) => [field, Number(hash[field])]),
  ),
})

/**
 * Counters in Redis, shared by every replica: each call is one script (EVALSHA, falling back to
 * EVAL once after a Redis restart emptied its script cache), bounded by LIMITS_REDIS_TIMEOUT_MS
 * through the connection wrapper the response store uses, so a slow or dead Redis fails the call
 * rather than holding the request.
 */
export const createRedisLimitStore = (url: string, timeoutMs: number): LimitStore => {
  const redis = createRedisConnection(url, timeoutMs)
  const hashes = new Map<string, string>()
  const shaOf = (script: string) => {
    let sha = hashes.get(script)
    if (sha === undefined) {
      sha = new Bun.CryptoHasher('sha1').update(script).digest('hex')
      hashes.set(script, sha)
    }
    return sha
  }
  const evaluate = async (script: string, keys: string[], args: string[]) => {
    try {
      return await redis.call('EVALSHA', [shaOf(script), String(keys.length), ...keys, ...args])
    } catch (error) {
      if (!(error as Error).message.includes('NOSCRIPT')) throw error
      return redis.call('EVAL', [script, String(keys.length), ...keys, ...args])
    }
  }

  return {
    kind: 'redis',
    async reserve({ name, limits, id, tokens, now }) {
      const periods = periodsOf(now)
      const [refusal, requests, tokenLevel, retry] = (await evaluate(RESERVE_SCRIPT, keysOf(name, periods.day, periods.month), [
        String(now),
        String(tokens),
        id,
        optional(limits.rpm),
        optional(limits.tpm),
        optional(limits.max_concurrent),
        optional(limits.daily_token_budget),
        optional(limits.monthly_token_budget),
        String(ACTIVE_LEASE_MS),
        String(periods.dayEndsAt - now + DAY_MS),
        String(periods.monthEndsAt - now + DAY_MS),
        String(periods.dayEndsAt - now),
        String(periods.monthEndsAt - now),
      ])) as [string, string, string, string]
      return {
        refusal: refusal === '' ? undefined : (refusal as Refusal),
        requests: toBucket(requests, now),
        tokens: toBucket(tokenLevel, now),
        retryAfterMs: Number(retry),
      } satisfies Decision
    },
    async settle({ name, limits, id, reserved, used, prompt, completion, day, month, now }) {
      const periods = periodsOf(now)
      await evaluate(SETTLE_SCRIPT, keysOf(name, day, month), [
        String(now),
        String(reserved),
        String(used),
        String(prompt),
        String(completion),
        id,
        optional(limits.tpm),
        String(periods.dayEndsAt - now + DAY_MS),
        String(periods.monthEndsAt - now + DAY_MS),
      ])
    },
    async read(name, now) {
      const { day, month } = periodsOf(now)
      const [buckets, active, today, thisMonth] = (await evaluate(READ_SCRIPT, keysOf(name, day, month), [String(now)])) as [unknown, number, unknown, unknown]
      const hash = toHash(buckets)
      return {
        requests: hash.rq_level === undefined ? undefined : { level: Number(hash.rq_level), at: Number(hash.rq_at) },
        tokens: hash.tk_level === undefined ? undefined : { level: Number(hash.tk_level), at: Number(hash.tk_at) },
        active,
        today: toPeriod(toHash(today)),
        thisMonth: toPeriod(toHash(thisMonth)),
      }
    },
    ping: () =>
      redis.call('PING', []).then(
        (answer) => answer === 'PONG',
        () => false,
      ),
    close: () => redis.close(),
  }
}
