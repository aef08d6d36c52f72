import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test'
import { createMetrics } from '../../src/metrics/metrics-registry.ts'
import { toPrometheusText } from '../../src/metrics/prometheus-text.ts'
import { createMockUpstream, type MockUpstream } from '../../src/mock-upstream/mock-upstream.ts'
import { freePort, spawnBun, stopAll } from '../support/processes.ts'
import { CLIENT_KEY, HELLO, UPSTREAM_KEY } from '../support/test-gateway.ts'

describe('metrics text', () => {
  test('counters by label, retries, streams open and histograms, summed over workers', () => {
    const routes = new Set(['/v1/chat/completions'])
    const a = createMetrics(() => 1, routes)
    const b = createMetrics(() => 2, routes)
    a.observe({
      request_id: 'r',
      method: 'POST',
      path: '/v1/chat/completions',
      status: 200,
      model: 'm"1',
      upstream_status: 200,
      attempts: 3,
      total_ms: 40,
      ttfb_ms: 4,
    })
    b.observe({
      request_id: 'r',
      method: 'POST',
      path: '/v1/chat/completions',
      status: 200,
      model: 'm"1',
      upstream_status: 200,
      attempts: 1,
      total_ms: 2000,
      ttfb_ms: 30,
    })
    b.observe({
      request_id: 'r',
      method: 'POST',
      path: '/v1/chat/completions',
      status: 503,
      upstream_status: 529,
      error_type: 'server_error',
      error_code: 'overloaded',
    })
    const text = toPrometheusText([a.snapshot(), b.snapshot()])
    expect(text).toContain('gateway_requests_total{route="/v1/chat/completions",status="200",model="m\\"1"} 2')
    expect(text).toContain('gateway_requests_total{route="/v1/chat/completions",status="503",model=""} 1')
    expect(text).toContain('gateway_upstream_errors_total{type="server_error",code="overloaded"} 1')
    expect(text).toContain('gateway_upstream_retries_total 2')
    expect(text).toContain('gateway_streams_open 3')
    expect(text).toContain('gateway_request_duration_seconds_bucket{le="0.05"} 1')
    expect(text).toContain('gateway_request_duration_seconds_bucket{le="+Inf"} 2')
    expect(text).toContain('gateway_time_to_first_byte_seconds_count 2')
  })
})

test('a client that stops reading or leaves is not an upstream error, though the upstream had answered', () => {
  const metrics = createMetrics(() => 0, new Set(['/v1/chat/completions']))
  for (const code of ['client_idle_timeout', 'client_closed']) {
    metrics.observe({
      request_id: 'r',
      method: 'POST',
      path: '/v1/chat/completions',
      status: 499,
      upstream_status: 200,
      error_type: 'invalid_request_error',
      error_code: code,
    })
  }
  metrics.observe({
    request_id: 'r',
    method: 'POST',
    path: '/v1/chat/completions',
    status: 200,
    upstream_status: 200,
    error_type: 'timeout_error',
    error_code: 'upstream_timeout',
  })
  expect(metrics.snapshot().upstreamErrors).toEqual({ '["timeout_error","upstream_timeout"]': 1 })
})

test('per key: requests, tokens by kind, limit refusals and store failures, by name, summed over workers', () => {
  const routes = new Set(['/v1/chat/completions'])
  const a = createMetrics(() => 0, routes)
  const b = createMetrics(() => 0, routes)
  a.observe({ request_id: 'r', method: 'POST', path: '/v1/chat/completions', status: 200, key_id: 'team-a', prompt_tokens: 10, completion_tokens: 5 })
  b.observe({ request_id: 'r', method: 'POST', path: '/v1/chat/completions', status: 200, key_id: 'team-a', prompt_tokens: 1, completion_tokens: 0 })
  b.observe({ request_id: 'r', method: 'POST', path: '/v1/chat/completions', status: 429, key_id: 'team-b' })
  b.observe({ request_id: 'r', method: 'GET', path: '/v1/models', status: 401 })
  b.limitEvents.refused('team-b', 'rpm')
  a.limitEvents.storeFailed()
  b.limitEvents.storeFailed()
  const text = toPrometheusText([a.snapshot(), b.snapshot()])
  expect(text).toContain('gateway_key_requests_total{key="team-a"} 2')
  expect(text).toContain('gateway_key_requests_total{key="team-b"} 1')
  expect(text).toContain('gateway_key_tokens_total{key="team-a",kind="prompt"} 11')
  expect(text).toContain('gateway_key_tokens_total{key="team-a",kind="completion"} 5')
  expect(text).not.toContain('gateway_key_tokens_total{key="team-b"')
  expect(text).toContain('gateway_limit_refusals_total{key="team-b",limit="rpm"} 1')
  expect(text).toContain('gateway_limit_store_failures_total 2')
})

test('labels a client chooses are bounded: unknown paths and models past the first 100 are "other"', () => {
  const metrics = createMetrics(() => 0, new Set(['/v1/chat/completions']))
  for (let i = 0; i < 500; i++) {
    metrics.observe({ request_id: 'r', method: 'GET', path: `/probe-${i}`, status: 401 })
    metrics.observe({ request_id: 'r', method: 'POST', path: '/v1/chat/completions', status: 200, model: `model-${i}` })
  }
  const keys = Object.keys(metrics.snapshot().requests).map((key) => JSON.parse(key))
  expect(keys).toHaveLength(101 + 1)
  expect(keys.filter(([route]) => route === 'other')).toEqual([['other', '401', '']])
  expect(keys.filter(([, , model]) => model === 'other')).toEqual([['/v1/chat/completions', '200', 'other']])
})

describe('METRICS_ENABLED on a running launcher', () => {
  let mock: MockUpstream
  beforeAll(() => {
    mock = createMockUpstream({ apiKey: UPSTREAM_KEY })
  })
  afterAll(() => mock.stop())
  afterEach(stopAll)

  test('GET /metrics on METRICS_PORT sums the workers; no key or body appears', async () => {
    const [port, metricsPort] = [await freePort(), await freePort()]
    const gateway = spawnBun('src/main.ts', {
      UPSTREAM_API_URL: mock.url,
      UPSTREAM_API_KEY: UPSTREAM_KEY,
      ALLOWED_API_KEYS: CLIENT_KEY,
      HOST: '127.0.0.1',
      PORT: String(port),
      WORKERS: '2',
      METRICS_ENABLED: 'true',
      METRICS_PORT: String(metricsPort),
    })
    await gateway.waitFor(/listening[\s\S]*listening/)
    const chat = (key: string) =>
      fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
        method: 'POST',
        keepalive: false,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ...HELLO, messages: [{ role: 'user', content: 'secret prompt text' }] }),
      })
    for (let i = 0; i < 6; i++) expect((await chat(CLIENT_KEY)).status).toBe(200)
    expect((await chat('wrong-key')).status).toBe(401)
    const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`)
    expect(response.headers.get('content-type')).toStartWith('text/plain; version=0.0.4')
    const text = await response.text()
    expect(text).toContain('gateway_workers 2')
    expect(text).toContain('gateway_requests_total{route="/v1/chat/completions",status="200",model="claude-sonnet-4-5"} 6')
    expect(text).toContain('gateway_requests_total{route="/v1/chat/completions",status="401",model=""} 1')
    for (const secret of [CLIENT_KEY, UPSTREAM_KEY, 'wrong-key', 'secret prompt']) expect(text).not.toContain(secret)
    expect((await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${CLIENT_KEY}` } })).status).toBe(404)
  })

  test('a METRICS_PORT equal to PORT is a configuration error; a taken one is one line, no stack', async () => {
    const port = await freePort()
    const env = {
      UPSTREAM_API_URL: mock.url,
      UPSTREAM_API_KEY: UPSTREAM_KEY,
      ALLOWED_API_KEYS: CLIENT_KEY,
      HOST: '127.0.0.1',
      WORKERS: '1',
      METRICS_ENABLED: 'true',
    }
    const same = spawnBun('src/main.ts', { ...env, PORT: String(port), METRICS_PORT: String(port) })
    expect(await same.exited).toBe(2)
    expect(same.output().trim()).toBe(`configuration error: METRICS_PORT must differ from PORT (${port})`)
    const taken = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() })
    try {
      const busy = spawnBun('src/main.ts', { ...env, PORT: String(port), METRICS_PORT: String(taken.port) })
      expect(await busy.exited).toBe(1)
      expect(busy.output()).toContain(`cannot listen on 127.0.0.1:${taken.port} for metrics`)
      expect(busy.output()).not.toContain('    at ')
    } finally {
      taken.stop(true)
    }
  })
})
