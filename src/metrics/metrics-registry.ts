import type { RequestLogFields } from '../logging/request-log.ts'
import type { PoolSnapshot } from '../upstream/pool.ts'

/** Seconds; from a fast non-stream answer to a long generation. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600] as const

export type Histogram = { buckets: number[]; sum: number; count: number }

/** One worker's counters, as sent to the launcher; label sets are JSON-encoded keys. */
export type MetricsSnapshot = {
  requests: Record<string, number>
  upstreamErrors: Record<string, number>
  retries: number
  streamsOpen: number
  latency: Histogram
  ttfb: Histogram
  /** By [client key label] (a configured name or key id: a bounded set, never a key). */
  keyRequests: Record<string, number>
  /** By [label, "prompt" | "completion"]. */
  keyTokens: Record<string, number>
  /** By [label, the limit that refused]. */
  limitRefusals: Record<string, number>
  limitStoreFailures: number
  /** Prompt and answer tokens by kind, keyed ["input" | "cache_read" | "cache_write" | "output"]. */
  tokens: Record<string, number>
  /** The upstream pool's attempts, breakers and first-byte latency, by member name. */
  pool?: PoolSnapshot
}

export const emptyHistogram = (): Histogram => ({ buckets: LATENCY_BUCKETS.map(() => 0), sum: 0, count: 0 })

export const observe = (histogram: Histogram, seconds: number) => {
  histogram.sum += seconds
  histogram.count++
  for (let i = 0; i < LATENCY_BUCKETS.length; i++) if (seconds <= (LATENCY_BUCKETS[i] as number)) (histogram.buckets[i] as number)++
}

export const increment = (counters: Record<string, number>, key: string, by = 1) => {
  counters[key] = (counters[key] ?? 0) + by
}

/** Distinct model labels kept; a client names any model it likes, and each label lives forever. */
const MAX_MODEL_LABELS = 100

/**
 * Counters of one worker, fed once per request from its log line (never per SSE event) and read
 * by the launcher, which sums the workers for /metrics. Keys never carry a client key or a body,
 * and labels a client chooses are bounded: a path that is not a route, and any model past the
 * first MAX_MODEL_LABELS, count as "other".
 */
export const createMetrics = (streamsOpen: () => number, routes: ReadonlySet<string>, pool?: () => PoolSnapshot) => {
  const models = new Set<string>()
  const modelLabel = (model: string) => {
    if (model === '') return model
    if (models.size < MAX_MODEL_LABELS) models.add(model)
    return models.has(model) ? model : 'other'
  }
  const tokens: Record<string, number> = {}
  const snapshot: Omit<MetricsSnapshot, 'streamsOpen'> = {
    requests: {},
    upstreamErrors: {},
    retries: 0,
    latency: emptyHistogram(),
    ttfb: emptyHistogram(),
    tokens,
    keyRequests: {},
    keyTokens: {},
    limitRefusals: {},
    limitStoreFailures: 0,
  }
  return {
    observe(fields: RequestLogFields) {
      const route = routes.has(fields.path) ? fields.path : 'other'
      increment(snapshot.requests, JSON.stringify([route, String(fields.status), modelLabel(fields.model ?? '')]))
      if (fields.attempts !== undefined && fields.attempts > 1) snapshot.retries += fields.attempts - 1
      // 499: the client left or stopped reading, whatever the upstream had answered.
      if (fields.error_code && fields.status !== 499 && (fields.upstream_status !== undefined || fields.status === 502 || fields.status === 504)) {
        increment(snapshot.upstreamErrors, JSON.stringify([fields.error_type ?? '', fields.error_code]))
      }
      if (fields.upstream_status !== undefined && fields.total_ms !== undefined) observe(snapshot.latency, fields.total_ms / 1000)
      if (fields.upstream_status !== undefined && fields.ttfb_ms !== undefined) observe(snapshot.ttfb, fields.ttfb_ms / 1000)
      if (fields.prompt_tokens !== undefined) {
        const cacheRead = fields.cache_read_tokens ?? 0
        const cacheWrite = fields.cache_write_tokens ?? 0
        increment(tokens, '["input"]', fields.prompt_tokens - cacheRead - cacheWrite)
        increment(tokens, '["cache_read"]', cacheRead)
        increment(tokens, '["cache_write"]', cacheWrite)
        increment(tokens, '["output"]', fields.completion_tokens ?? 0)
      }
      if (fields.key_id === undefined) return
      increment(snapshot.keyRequests, JSON.stringify([fields.key_id]))
      if (fields.prompt_tokens) increment(snapshot.keyTokens, JSON.stringify([fields.key_id, 'prompt']), fields.prompt_tokens)
      if (fields.completion_tokens) increment(snapshot.keyTokens, JSON.stringify([fields.key_id, 'completion']), fields.completion_tokens)
    },
    /** The limiter's events (see LimitEvents). */
    limitEvents: {
      refused: (label: string, limit: string) => increment(snapshot.limitRefusals, JSON.stringify([label, limit])),
      storeFailed: () => {
        snapshot.limitStoreFailures++
      },
    },
    snapshot: (): MetricsSnapshot => ({ ...snapshot, streamsOpen: streamsOpen(), ...(pool ? { pool: pool() } : {}) }),
  }
}

export type Metrics = ReturnType<typeof createMetrics>
