import { describe, expect, test } from 'bun:test'
import type { OpenAIError } from '../../src/errors/openai-error.ts'
import { createLogger } from '../../src/logging/logger.ts'
import { createUpstreamPool, FAILOVER_OUTCOMES, outcomeOfError, outcomeOfStatus } from '../../src/upstream/pool.ts'
import type { PoolMember } from '../../src/upstream/pool-members.ts'
import {
  clientClosed,
  streamIncomplete,
  toOpenAIErrorFromEvent,
  toOpenAIErrorFromUpstream,
  upstreamBadResponse,
  upstreamTimeout,
  upstreamUnreachable,
} from '../../src/upstream/upstream-error.ts'

const SETTINGS = { failures: 3, minRequests: 10, ratio: 0.5, windowMs: 30_000, cooldownMs: 10_000 }

const member = (name: string, extra: Partial<PoolMember> = {}): PoolMember => ({
  name,
  urls: { messages: `http://${name}/v1/messages`, count_tokens: `http://${name}/v1/messages/count_tokens` },
  headers: { 'x-api-key': `sk-${name}` },
  weight: 1,
  models: undefined,
  cache: 'breakpoints',
  betas: undefined,
  ...extra,
})

const setUp = (members: PoolMember[], random = () => 0) => {
  const clock = { ms: 1_000_000 }
  const lines: string[] = []
  const pool = createUpstreamPool(members, SETTINGS, { log: createLogger('debug', (line) => lines.push(line)), now: () => clock.ms, random })
  const pick = (hint?: string, tried: PoolMember[] = [], model = 'claude-x') => pool.pick({ model, hint, tried: new Set(tried) })
  return { pool, clock, lines, pick }
}

const thrown = (run: () => unknown) => {
  try {
    run()
  } catch (error) {
    return error as OpenAIError
  }
  throw new Error('expected a throw')
}

describe('upstream pool', () => {
  const [a, b, c] = [member('a'), member('b'), member('c')]

  test('a member not yet tried first; when all were tried, a tried one again', () => {
    const { pick } = setUp([a, b])
    expect(pick(undefined, [])).toBe(a)
    expect(pick(undefined, [a])).toBe(b)
    expect(pick(undefined, [a, b])).toBe(a)
  })

  test('only members that serve the model; none → 404 model_not_found; no model named → any', () => {
    const { pool, pick } = setUp([member('a', { models: new Set(['m1']) }), member('b', { models: new Set(['m2']) })])
    expect(pick(undefined, [], 'm2').name).toBe('b')
    expect(thrown(() => pick(undefined, [], 'm3'))).toMatchObject({ status: 404, code: 'model_not_found' })
    expect(pool.pick({ model: undefined, hint: undefined, tried: new Set() }).name).toBe('a')
  })

  test('a sticky hint stays on its member, moves only while it is out, and comes back', () => {
    const { pool, clock, pick, lines } = setUp([a, b, c])
    const home = pick('session-1')
    for (let i = 0; i < 20; i++) expect(pick('session-1')).toBe(home)
    for (let i = 0; i < 3; i++) pool.report(home, 'overloaded')
    expect(lines.some((line) => line.includes('"level":"warn"') && line.includes('taken out'))).toBe(true)
    const away = pick('session-1')
    expect(away).not.toBe(home)
    for (let i = 0; i < 20; i++) expect(pick('session-1')).toBe(away)
    clock.ms += 10_000
    expect(pick('session-1')).toBe(home)
    pool.report(home, 'ok')
    expect(pick('session-1')).toBe(home)
  })

  test('all out → 503 all_upstreams_unavailable with the soonest retry-after, at once', () => {
    const { pool, pick, clock } = setUp([a, b])
    for (let i = 0; i < 3; i++) pool.report(a, 'server_error')
    clock.ms += 4_000
    pool.report(b, 'auth_error')
    expect(pool.usable()).toBe(false)
    const error = thrown(() => pick())
    expect(error).toMatchObject({ status: 503, code: 'all_upstreams_unavailable', headers: { 'retry-after': '6' } })
  })

  test('the last member in for its models is never taken out for ordinary failures, only for a refused key', () => {
    const { pool, pick, clock } = setUp([a, b])
    for (let i = 0; i < 3; i++) pool.report(a, 'server_error')
    for (let i = 0; i < 10; i++) pool.report(b, 'rate_limited', { retryAfterMs: 60_000 })
    expect(pick().name).toBe('b')
    // Once a is back after its cooldown, b may go out again.
    clock.ms += 10_000
    pool.report(pick(), 'ok')
    for (let i = 0; i < 3; i++) pool.report(b, 'overloaded')
    expect(pick().name).toBe('a')
  })

  test('401/403 takes a member out at once and says so at error level, by name only', () => {
    const { pool, pick, lines } = setUp([a, b])
    pool.report(a, 'auth_error')
    expect(pick()).toBe(b)
    const line = lines.find((l) => l.includes('"level":"error"')) as string
    expect(line).toContain('"upstream":"a"')
    expect(lines.join('\n')).not.toContain('sk-a')
  })

  test('a pool of one is never taken out, but a refused key is still said at error level', () => {
    const { pool, pick, lines } = setUp([a])
    for (let i = 0; i < 50; i++) pool.report(a, i % 2 ? 'auth_error' : 'overloaded')
    expect(pick()).toBe(a)
    expect(pool.usable()).toBe(true)
    expect(lines.filter((line) => line.includes('"level":"error"') && line.includes('rejected the gateway key'))).toHaveLength(25)
  })

  test('snapshot: attempts by outcome, breaker state and first-byte latency by name', () => {
    const { pool } = setUp([a, b])
    pool.report(a, 'ok', { firstByteMs: 120 })
    for (let i = 0; i < 3; i++) pool.report(b, 'timeout')
    const snapshot = pool.snapshot()
    expect(snapshot.attempts).toEqual({ '["a","ok"]': 1, '["b","timeout"]': 3 })
    expect(snapshot.breakers).toEqual({ '["a","closed"]': 1, '["b","open"]': 1 })
    expect(snapshot.firstByte.a?.count).toBe(1)
  })
})

describe('attempt outcomes: what fails over and what the breaker counts', () => {
  test.each([
    [200, 'ok', false],
    [400, 'client_error', false],
    [404, 'client_error', false],
    [413, 'client_error', false],
    [401, 'auth_error', true],
    [403, 'auth_error', true],
    [429, 'rate_limited', true],
    [529, 'overloaded', true],
    [500, 'server_error', true],
    [503, 'server_error', true],
  ] as const)('status %d → %s (fails over: %s)', (status, outcome, failsOver) => {
    expect(outcomeOfStatus(status)).toBe(outcome)
    expect(FAILOVER_OUTCOMES.has(outcome)).toBe(failsOver)
  })

  test.each([
    ['a timeout', upstreamTimeout(1), 'timeout'],
    ['a refused connection', upstreamUnreachable('ECONNREFUSED'), 'unreachable'],
    ['an overloaded first event', toOpenAIErrorFromEvent({ type: 'overloaded_error', message: 'Overloaded' }), 'overloaded'],
    ['a rate-limit first event', toOpenAIErrorFromEvent({ type: 'rate_limit_error', message: 'Slow' }), 'rate_limited'],
    ['an invalid-request first event', toOpenAIErrorFromEvent({ type: 'invalid_request_error', message: 'bad' }), 'client_error'],
    ['a 401 mapped to 502', toOpenAIErrorFromUpstream(401, '{}'), 'auth_error'],
    ['a cut answer', streamIncomplete(), 'server_error'],
    ['an unreadable answer', upstreamBadResponse('x'), 'bad_response'],
    ['the client leaving', clientClosed(), 'cancelled'],
  ])('%s → %s', (_, error, outcome) => {
    expect(outcomeOfError(error)).toBe(outcome as ReturnType<typeof outcomeOfError>)
  })
})
