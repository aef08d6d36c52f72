import { describe, expect, test } from 'bun:test'
import { AUTH_COOLDOWN_MS, type BreakerResult, createBreaker } from '../../src/upstream/breaker.ts'

const SETTINGS = { failures: 3, minRequests: 10, ratio: 0.5, windowMs: 30_000, cooldownMs: 10_000 }

const setUp = () => {
  const clock = { ms: 1_000_000 }
  const breaker = createBreaker(SETTINGS, () => clock.ms)
  const feed = (results: BreakerResult[], stepMs = 0) => {
    for (const result of results) {
      breaker.take()
      breaker.record(result)
      clock.ms += stepMs
    }
  }
  return { clock, breaker, feed }
}

describe('circuit breaker (injected clock)', () => {
  test.each<[string, BreakerResult[], 'closed' | 'open']>([
    ['one failure', ['failure'], 'closed'],
    ['two in a row', ['failure', 'failure'], 'closed'],
    ['three in a row', ['failure', 'failure', 'failure'], 'open'],
    ['a success between resets the run', ['failure', 'failure', 'success', 'failure', 'failure'], 'closed'],
    [
      '5 of 11 failed, never 3 in a row',
      ['failure', 'failure', 'success', 'failure', 'failure', 'success', 'success', 'failure', 'success', 'success', 'success'],
      'closed',
    ],
    ['more than half of 10 failed', ['failure', 'success', 'failure', 'failure', 'success', 'failure', 'success', 'failure', 'success', 'failure'], 'open'],
    [
      'exactly half of 10 is not more than half',
      ['failure', 'success', 'failure', 'success', 'failure', 'success', 'failure', 'success', 'failure', 'success'],
      'closed',
    ],
    ['401/403 at once', ['auth_failure'], 'open'],
    ['a client leaving is no verdict', ['released', 'released', 'released'], 'closed'],
  ])('%s → %s', (_, results, state) => {
    const { breaker, feed } = setUp()
    feed(results)
    expect(breaker.state).toBe(state)
  })

  test('the ratio looks only at the window: old failures age out', () => {
    const { breaker, feed } = setUp()
    feed(['failure', 'success', 'failure', 'success', 'failure', 'success'], 1000)
    feed(Array(8).fill('success'), 5000)
    feed(['failure', 'failure', 'success', 'failure', 'success'], 100)
    expect(breaker.state).toBe('closed')
  })

  test('open → cooldown → one probe → closed on success', () => {
    const { clock, breaker, feed } = setUp()
    feed(['failure', 'failure', 'failure'])
    expect(breaker.available()).toBe(false)
    clock.ms += 9_999
    expect(breaker.available()).toBe(false)
    clock.ms += 1
    expect(breaker.available()).toBe(true)
    breaker.take()
    expect(breaker.state).toBe('half_open')
    expect(breaker.available()).toBe(false)
    expect(breaker.record('success')).toBe('closed')
    expect(breaker.available()).toBe(true)
  })

  test('a failed probe reopens for another cooldown; a probe whose client left is retried', () => {
    const { clock, breaker, feed } = setUp()
    feed(['failure', 'failure', 'failure'])
    clock.ms += 10_000
    breaker.take()
    breaker.record('released')
    expect(breaker.available()).toBe(true)
    breaker.take()
    expect(breaker.record('failure')).toBe('open')
    expect(breaker.availableAt()).toBe(clock.ms + 10_000)
  })

  test('a retry-after longer than the cooldown wins; a shorter one does not shorten it', () => {
    for (const [retryAfterMs, outMs] of [
      [60_000, 60_000],
      [2_000, 10_000],
    ]) {
      const { clock, breaker, feed } = setUp()
      feed(['failure', 'failure'])
      breaker.take()
      breaker.record('failure', retryAfterMs)
      expect(breaker.availableAt() - clock.ms).toBe(outMs as number)
    }
  })

  test('a rejected key stays out for AUTH_COOLDOWN_MS', () => {
    const { clock, breaker, feed } = setUp()
    feed(['auth_failure'])
    expect(breaker.availableAt() - clock.ms).toBe(AUTH_COOLDOWN_MS)
  })
})
