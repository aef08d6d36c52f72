import { describe, expect, test } from 'bun:test'
import { classifyJson } from '../../bench/classify.ts'
import { addSample, emptyWatch, judgePool, poolSeries } from '../../bench/pool-metrics.ts'
import { createLogger } from '../../src/logging/logger.ts'
import { createMetrics } from '../../src/metrics/metrics-registry.ts'
import { toPrometheusText } from '../../src/metrics/prometheus-text.ts'
import { type AttemptOutcome, createUpstreamPool } from '../../src/upstream/pool.ts'
import type { PoolMember } from '../../src/upstream/pool-members.ts'

const member = (name: string): PoolMember => ({
  name,
  urls: { messages: 'http://x/v1/messages', count_tokens: 'http://x/v1/messages/count_tokens' },
  headers: {},
  weight: 1,
  models: undefined,
  cache: 'breakpoints',
  betas: undefined,
})
const ROLES = { healthy: 'healthy', failing: 'failing', refusing: 'refusing' }
const SETTINGS = { failures: 3, minRequests: 10, ratio: 0.5, windowMs: 30_000, cooldownMs: 10_000 }

/** The gateway's own /metrics text after these attempts, on one worker. */
function metricsAfter(attempts: [name: string, outcome: AttemptOutcome][]): string {
  const members = new Map(Object.values(ROLES).map((name) => [name, member(name)]))
  const pool = createUpstreamPool([...members.values()], SETTINGS, { log: createLogger('error', () => {}) })
  for (const [name, outcome] of attempts) pool.report(members.get(name) as PoolMember, outcome)
  return toPrometheusText([createMetrics(() => 0, new Set(), pool.snapshot).snapshot()])
}

const refused: [string, AttemptOutcome][] = [
  ['refusing', 'unreachable'],
  ['refusing', 'unreachable'],
  ['refusing', 'unreachable'],
]
const mixed: [string, AttemptOutcome][] = [
  ['failing', 'overloaded'],
  ['failing', 'ok'],
  ['healthy', 'ok'],
]

describe('pool soak checks, on the gateway’s own /metrics text', () => {
  test('reads breaker states and attempts by member', () => {
    const { breakers, attempts } = poolSeries(metricsAfter([...refused, ...mixed]))
    expect(breakers.get('refusing')).toEqual({ open: 1 })
    expect(breakers.get('healthy')).toEqual({ closed: 1 })
    expect(attempts.get('failing')).toEqual({ overloaded: 1, ok: 1 })
    expect(attempts.get('refusing')).toEqual({ unreachable: 3 })
  })

  test.each([
    ['all seen as they should be', true, [...refused, ...mixed]],
    ['refusing never out', false, [['refusing', 'unreachable'], ...mixed]],
    ['refusing answered', false, [...refused, ['refusing', 'ok'], ...mixed]],
    ['failing never failed', false, [...refused, ['failing', 'ok'], ['healthy', 'ok']]],
    ['healthy never answered', false, [...refused, ['failing', 'overloaded'], ['failing', 'ok']]],
  ] as [string, boolean, [string, AttemptOutcome][]][])('%s: passed %p', (_, passed, attempts) => {
    const text = metricsAfter(attempts)
    const watch = emptyWatch()
    addSample(watch, poolSeries(text).breakers)
    expect(judgePool(ROLES, watch, poolSeries(text)).passed).toBe(passed)
  })
})

describe('a soak answer telling the client every upstream is out', () => {
  const body = (code: string) => JSON.stringify({ error: { message: 'out', type: 'server_error', param: null, code } })
  const expected = { kind: 'text', text: 'hello' } as const
  test.each([
    ['all_upstreams_unavailable', '7', { outcome: 'clear-error', detail: '503 all_upstreams_unavailable', retryAfterS: 7 }],
    ['all_upstreams_unavailable', null, { outcome: 'unclear', detail: '503 all_upstreams_unavailable with retry-after null' }],
    ['all_upstreams_unavailable', '0', { outcome: 'unclear', detail: '503 all_upstreams_unavailable with retry-after 0' }],
    ['overloaded', null, { outcome: 'clear-error', detail: '503 overloaded' }],
  ] as const)('%s with retry-after %p', (code, retryAfter, verdict) => {
    expect(classifyJson(503, body(code), expected, retryAfter)).toEqual(verdict)
  })
})
