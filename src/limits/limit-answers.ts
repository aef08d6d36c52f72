import type { KeyLimits } from '../auth/client-keys.ts'
import { OpenAIError } from '../errors/openai-error.ts'
import { type Bucket, MINUTE_MS, type Refusal } from './limit-rules.ts'

/** A duration as OpenAI writes it in x-ratelimit-reset-*: `120ms`, `6.5s`, `1m0s`, `2h3m0s`. */
export const toResetText = (ms: number) => {
  if (ms < 1000) return `${Math.ceil(ms)}ms`
  const seconds = Math.ceil(ms) / 1000
  if (seconds < 60) return `${Number(seconds.toFixed(3))}s`
  const whole = Math.ceil(seconds)
  const hours = Math.floor(whole / 3600)
  const minutes = Math.floor((whole % 3600) / 60)
  return `${hours > 0 ? `${hours}h` : ''}${minutes}m${whole % 60}s`
}

const bucketHeaders = (headers: Record<string, string>, kind: 'requests' | 'tokens', limit: number | undefined, bucket: Bucket | undefined) => {
  if (limit === undefined || bucket === undefined) return
  headers[`x-ratelimit-limit-${kind}`] = String(limit)
  headers[`x-ratelimit-remaining-${kind}`] = String(Math.max(0, Math.floor(bucket.level)))
  headers[`x-ratelimit-reset-${kind}`] = toResetText(Math.max(0, ((limit - bucket.level) * MINUTE_MS) / limit))
}

/** OpenAI's rate-limit headers for the buckets a key has (requests for rpm, tokens for tpm). */
export const toRateLimitHeaders = (limits: KeyLimits, requests: Bucket | undefined, tokens: Bucket | undefined) => {
  const headers: Record<string, string> = {}
  bucketHeaders(headers, 'requests', limits.rpm, requests)
  bucketHeaders(headers, 'tokens', limits.tpm, tokens)
  return headers
}

const REFUSAL_TEXT: Readonly<Record<Refusal, string>> = {
  rpm: 'requests per minute (RPM)',
  tpm: 'tokens per minute (TPM)',
  max_concurrent: 'concurrent requests',
  daily_token_budget: 'the daily token budget',
  monthly_token_budget: 'the monthly token budget',
}

/**
 * 429 in OpenAI's shape: `insufficient_quota` for a spent budget, else `rate_limit_exceeded`
 * typed `requests` or `tokens` as OpenAI types them; with retry-after and the rate-limit headers.
 */
export const limitExceeded = ({
  name,
  refusal,
  limit,
  requested,
  retryAfterMs,
  headers,
}: {
  name: string
  refusal: Refusal
  limit: number
  requested: number
  retryAfterMs: number
  headers: Record<string, string>
}) => {
  const budget = refusal === 'daily_token_budget' || refusal === 'monthly_token_budget'
  const wait = toResetText(retryAfterMs)
  return new OpenAIError({
    status: 429,
    type: budget ? 'insufficient_quota' : refusal === 'rpm' || refusal === 'max_concurrent' ? 'requests' : 'tokens',
    code: budget ? 'insufficient_quota' : 'rate_limit_exceeded',
    message: budget
      ? `Key ${name} has used ${REFUSAL_TEXT[refusal]}: limit ${limit} tokens, this request needs up to ${requested}. It resets in ${wait}.`
      : `Rate limit reached for key ${name} on ${REFUSAL_TEXT[refusal]}: limit ${limit}. Please try again in ${wait}.`,
    headers: { ...headers, 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))), 'retry-after-ms': String(Math.ceil(retryAfterMs)) },
  })
}

export const modelNotAllowed = (model: string) =>
  new OpenAIError({
    status: 403,
    type: 'invalid_request_error',
    code: 'model_not_allowed',
    param: 'model',
    message: `This key may not use the model ${model}`,
  })

export const limitsUnavailable = () =>
  new OpenAIError({
    status: 503,
    type: 'server_error',
    code: 'limits_unavailable',
    message: 'The limit store does not answer, and this gateway refuses limited keys until it does (LIMITS_FAIL_MODE=closed); retry shortly',
    headers: { 'retry-after': '1' },
  })
