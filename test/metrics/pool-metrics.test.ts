import { describe, expect, test } from 'bun:test'
import { createLogger } from '../../src/logging/logger.ts'
import { createMetrics } from '../../src/metrics/metrics-registry.ts'
import { toPrometheusText } from '../../src/metrics/prometheus-text.ts'
import { createUpstreamPool } from '../../src/upstream/pool.ts'
import type { PoolMember } from '../../src/upstream/pool-members.ts'

const member = (name: string): PoolMember => ({
  name,
  urls: { messages: 'http://x/v1/messages', count_tokens: 'http://x/v1/messages/count_tokens' },
  headers: { 'x-api-key': `sk-ant-${name}-secret` },
  weight: 1,
  models: undefined,
  cache: 'breakpoints',
  betas: undefined,
})

const SETTINGS = { failures: 3, minRequests: 10, ratio: 0.5, windowMs: 30_000, cooldownMs: 10_000 }

describe('pool and token metrics', () => {
  test('attempts by member and outcome, breaker states as worker counts, first-byte latency by member, tokens by kind', () => {
    const routes = new Set(['/v1/chat/completions'])
    const [a, b] = [member('a'), member('b')]
    const workers = [0, 1].map(() => {
      const pool = createUpstreamPool([a, b], SETTINGS, { log: createLogger('error', () => {}) })
      return { pool, metrics: createMetrics(() => 0, routes, pool.snapshot) }
    })
    const [one, two] = workers as [(typeof workers)[number], (typeof workers)[number]]
    one.pool.report(a, 'ok', { firstByteMs: 40 })
    two.pool.report(a, 'ok', { firstByteMs: 2000 })
    for (let i = 0; i < 3; i++) two.pool.report(b, 'overloaded')
    one.metrics.observe({
      request_id: 'r',
      method: 'POST',
      path: '/v1/chat/completions',
      status: 200,
      prompt_tokens: 1000,
      cache_read_tokens: 700,
      cache_write_tokens: 200,
      completion_tokens: 5,
    })
    two.metrics.observe({ request_id: 'r', method: 'POST', path: '/v1/chat/completions', status: 200, prompt_tokens: 10, completion_tokens: 3 })
    const text = toPrometheusText(workers.map((w) => w.metrics.snapshot()))
    expect(text).toContain('gateway_upstream_attempts_total{upstream="a",outcome="ok"} 2')
    expect(text).toContain('gateway_upstream_attempts_total{upstream="b",outcome="overloaded"} 3')
    expect(text).toContain('gateway_upstream_breaker{upstream="a",state="closed"} 2')
    expect(text).toContain('gateway_upstream_breaker{upstream="b",state="closed"} 1')
    expect(text).toContain('gateway_upstream_breaker{upstream="b",state="open"} 1')
    expect(text).toContain('gateway_upstream_first_byte_seconds_bucket{upstream="a",le="0.05"} 1')
    expect(text).toContain('gateway_upstream_first_byte_seconds_count{upstream="a"} 2')
    expect(text).toContain('gateway_tokens_total{kind="input"} 110')
    expect(text).toContain('gateway_tokens_total{kind="cache_read"} 700')
    expect(text).toContain('gateway_tokens_total{kind="cache_write"} 200')
    expect(text).toContain('gateway_tokens_total{kind="output"} 8')
    expect(text).not.toContain('secret')
  })
})
