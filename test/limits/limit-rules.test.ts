import { describe, expect, test } from 'bun:test'
import { settledUse } from '../../src/limits/key-limiter.ts'
import { toRateLimitHeaders, toResetText } from '../../src/limits/limit-answers.ts'
import { decide, type KeyCounters, periodsOf, refill, settleBucket } from '../../src/limits/limit-rules.ts'

const NOW = Date.UTC(2026, 11, 2, 9, 30, 0)
const fresh: KeyCounters = { requests: undefined, tokens: undefined, active: 0, dayTokens: 0, monthTokens: 0 }

describe('decide: budgets, then concurrency, then the minute buckets', () => {
  test.each([
    ['a fresh key is admitted and charged one request and its tokens', fresh, { rpm: 10, tpm: 1000 }, 100, undefined],
    ['an empty request bucket refuses on rpm', { ...fresh, requests: { level: 0.5, at: NOW } }, { rpm: 10 }, 1, 'rpm'],
    ['a token bucket short of the estimate refuses on tpm', { ...fresh, tokens: { level: 99, at: NOW } }, { tpm: 1000 }, 100, 'tpm'],
    ['a request larger than the whole tpm passes with a full bucket', fresh, { tpm: 50 }, 100, undefined],
    ['full concurrency refuses', { ...fresh, active: 2 }, { max_concurrent: 2 }, 1, 'max_concurrent'],
    ['a daily budget the estimate would pass refuses', { ...fresh, dayTokens: 950 }, { daily_token_budget: 1000 }, 51, 'daily_token_budget'],
    ['a daily budget met exactly admits', { ...fresh, dayTokens: 950 }, { daily_token_budget: 1000 }, 50, undefined],
    [
      'the monthly budget is checked before the rest',
      { ...fresh, monthTokens: 10, active: 9 },
      { monthly_token_budget: 10, max_concurrent: 1 },
      1,
      'monthly_token_budget',
    ],
  ] as const)('%s', (_, counters, limits, tokens, refusal) => {
    const decision = decide(counters, limits, tokens, NOW)
    expect(decision.refusal).toBe(refusal)
    if (refusal === undefined && 'rpm' in limits) expect(decision.requests?.level).toBe(limits.rpm - 1)
    if (refusal === undefined && 'tpm' in limits) expect(decision.tokens?.level).toBe(limits.tpm - tokens)
  })

  test('retry-after: the time the bucket needs to refill, or the end of the UTC day or month', () => {
    expect(decide({ ...fresh, requests: { level: 0, at: NOW } }, { rpm: 10 }, 1, NOW).retryAfterMs).toBe(6000)
    expect(decide({ ...fresh, tokens: { level: 0, at: NOW } }, { tpm: 600 }, 60, NOW).retryAfterMs).toBe(6000)
    expect(decide({ ...fresh, dayTokens: 10 }, { daily_token_budget: 10 }, 1, NOW).retryAfterMs).toBe(14.5 * 3600 * 1000)
    expect(decide({ ...fresh, monthTokens: 10 }, { monthly_token_budget: 10 }, 1, NOW).retryAfterMs).toBe(Date.UTC(2027, 0, 1) - NOW)
  })
})

test('buckets refill at the limit per minute and never above it', () => {
  expect(refill(undefined, 10, NOW)).toEqual({ level: 10, at: NOW })
  expect(refill({ level: 0, at: NOW - 30_000 }, 10, NOW).level).toBe(5)
  expect(refill({ level: 9, at: NOW - 60_000 }, 10, NOW).level).toBe(10)
})

test('settling swaps the estimate for the real use; a use above the estimate leaves a debt', () => {
  expect(settleBucket({ level: 0, at: NOW }, 1000, 300, 100, NOW).level).toBe(200)
  expect(settleBucket({ level: 0, at: NOW }, 1000, 300, 500, NOW).level).toBe(-200)
  expect(settleBucket({ level: 900, at: NOW }, 1000, 300, 0, NOW).level).toBe(1000)
})

test('periods are UTC days and months', () => {
  expect(periodsOf(Date.UTC(2026, 11, 31, 23, 59, 59))).toMatchObject({ day: '2026-12-31', month: '2026-12', dayEndsAt: Date.UTC(2027, 0, 1) })
})

test.each([
  [0, '0ms'],
  [120.2, '121ms'],
  [6000, '6s'],
  [6500, '6.5s'],
  [60_000, '1m0s'],
  [90_400, '1m31s'],
  [3_600_000 * 2 + 180_000, '2h3m0s'],
])('reset %d ms is written %s', (ms, text) => {
  expect(toResetText(ms)).toBe(text)
})

test('rate-limit headers: requests for rpm, tokens for tpm; remaining rounded down, never negative', () => {
  expect(toRateLimitHeaders({ rpm: 10, tpm: 1000 }, { level: 7.9, at: NOW }, { level: -5, at: NOW })).toEqual({
    'x-ratelimit-limit-requests': '10',
    'x-ratelimit-remaining-requests': '7',
    'x-ratelimit-reset-requests': '12.6s',
    'x-ratelimit-limit-tokens': '1000',
    'x-ratelimit-remaining-tokens': '0',
    'x-ratelimit-reset-tokens': '1m1s',
  })
  expect(toRateLimitHeaders({ daily_token_budget: 5 }, undefined, undefined)).toEqual({})
})

describe('what a request settles at when it ends', () => {
  const base = { request_id: 'r', method: 'POST', path: '/v1/chat/completions' }
  test.each([
    ['the tokens the upstream reported', { status: 200, prompt_tokens: 12, completion_tokens: 30 }, { used: 42, prompt: 12, completion: 30 }],
    ['a cut stream: what was reported before the cut', { status: 502, prompt_tokens: 12, completion_tokens: 3 }, { used: 15, prompt: 12, completion: 3 }],
    ['a 4xx without usage: nothing was generated', { status: 400 }, { used: 0, prompt: 0, completion: 0 }],
    ['an upstream 429: nothing', { status: 429, upstream_status: 429 }, { used: 0, prompt: 0, completion: 0 }],
    ['a 5xx or a timeout without usage: the estimate', { status: 504 }, { used: 500, prompt: 0, completion: 0 }],
    ['a client that left before any usage: the estimate', { status: 499 }, { used: 500, prompt: 0, completion: 0 }],
    ['a native answer whose usage was not read: the estimate', { status: 200 }, { used: 500, prompt: 0, completion: 0 }],
  ])('%s', (_, fields, settled) => {
    expect(settledUse({ ...base, ...fields }, 500)).toEqual(settled)
  })
})
