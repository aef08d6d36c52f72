import { afterAll, beforeAll, expect, test } from 'bun:test'
import { createMockUpstream } from '../../src/mock-upstream/mock-upstream.ts'
import { type RedisServer, startRedisServer, stopRedisServers } from '../support/redis-server.ts'
import { type ChildGateway, startChildGateway } from '../support/reliability-gateway.ts'
import { UPSTREAM_KEY } from '../support/test-gateway.ts'

/**
 * Two gateway instances (WORKERS=2 each, their own ports) and one real redis-server in front of
 * one mock upstream: four processes share each key's counters. Instance A fails open, B closed.
 */
const RPM_KEY = 'sk-replica-rpm-0005'
const BUDGET_KEY = 'sk-replica-budget-0006'
const ASK = JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'hello' }] })
const ESTIMATE = 2 + 100

const mock = createMockUpstream({ apiKey: UPSTREAM_KEY })
let redis: RedisServer
let a: ChildGateway
let b: ChildGateway

beforeAll(async () => {
  redis = await startRedisServer()
  const env = {
    WORKERS: '2',
    REDIS_URL: redis.url,
    LIMITS_REDIS_TIMEOUT_MS: '200',
    CLIENT_KEYS_JSON: JSON.stringify([
      { name: 'rpm-team', key: RPM_KEY, rpm: 10 },
      { name: 'budget-team', key: BUDGET_KEY, daily_token_budget: 5 * ESTIMATE + ESTIMATE / 2 },
    ]),
  }
  ;[a, b] = await Promise.all([
    startChildGateway(mock.url, { ...env, LIMITS_FAIL_MODE: 'open' }),
    startChildGateway(mock.url, { ...env, LIMITS_FAIL_MODE: 'closed' }),
  ])
}, 20_000)

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()])
  await stopRedisServers()
  mock.stop()
})

/** `count` requests at once, alternating between the two instances, each on a fresh connection. */
const burst = (key: string, count: number) =>
  Promise.all(
    Array.from({ length: count }, (_, i) =>
      fetch(`${(i % 2 === 0 ? a : b).base}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', connection: 'close' },
        body: ASK,
        signal: AbortSignal.timeout(5000),
      }).then(async (answer) => ({ status: answer.status, body: await answer.text() })),
    ),
  )

test('/health reports Redis as a field', async () => {
  expect(await (await fetch(`${a.base}/health`)).json()).toEqual({ status: 'ok', redis: 'ok' })
})

test('a 10 rpm key gets exactly 10 answers across both instances under concurrent load', async () => {
  mock.reset()
  const answers = await burst(RPM_KEY, 40)
  expect(answers.filter((answer) => answer.status === 200)).toHaveLength(10)
  expect(answers.filter((answer) => answer.status === 429)).toHaveLength(30)
  expect(mock.requests).toHaveLength(10)
}, 15_000)

test('concurrent requests do not overshoot a token budget across both instances', async () => {
  mock.reset()
  // Every admitted request stays in flight while the rest arrive, so none has settled yet.
  mock.reply(...Array.from({ length: 30 }, () => ({ kind: 'delay' as const, ms: 500, reply: { kind: 'echo' as const } })))
  const answers = await burst(BUDGET_KEY, 30)
  expect(answers.filter((answer) => answer.status === 200)).toHaveLength(5)
  const refused = answers.filter((answer) => answer.status === 429)
  expect(refused).toHaveLength(25)
  expect(JSON.parse(refused[0]?.body ?? '{}').error.code).toBe('insufficient_quota')
  expect(mock.requests).toHaveLength(5)
}, 15_000)

test('Redis killed mid-run: the fail-open instance serves, the fail-closed one answers 503, no request hangs', async () => {
  mock.reset()
  mock.reply(...Array.from({ length: 10 }, () => ({ kind: 'delay' as const, ms: 300, reply: { kind: 'echo' as const } })))
  const inFlight = burst(RPM_KEY, 10)
  await Bun.sleep(100)
  await redis.stop()
  const started = performance.now()
  const after = await burst(RPM_KEY, 20)
  expect(performance.now() - started).toBeLessThan(3000)
  const fromA = after.filter((_, i) => i % 2 === 0).map((answer) => answer.status)
  const fromB = after.filter((_, i) => i % 2 === 1).map((answer) => answer.status)
  expect(new Set(fromA)).toEqual(new Set([200]))
  expect(new Set(fromB)).toEqual(new Set([503]))
  expect(JSON.parse(after[1]?.body ?? '{}').error.code).toBe('limits_unavailable')
  const health = await fetch(`${b.base}/health`)
  expect(health.status).toBe(200)
  expect(await health.json()).toEqual({ status: 'ok', redis: 'unavailable' })
  // The requests admitted before the kill end normally; their settlement fails and is logged.
  for (const answer of await inFlight) expect([200, 429]).toContain(answer.status)
}, 15_000)
