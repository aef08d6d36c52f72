import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import { nextDelayMs, retryAfterMs } from '../../src/upstream/retry.ts'
import { HELLO, json, startGateway, type TestGateway } from '../support/test-gateway.ts'

describe('retry policy', () => {
  test('retry-after-ms, retry-after seconds, and an HTTP date', () => {
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }), 0)).toBe(250)
    expect(retryAfterMs(new Headers({ 'retry-after': '2' }), 0)).toBe(2000)
    expect(retryAfterMs(new Headers({ 'retry-after': new Date(10_000).toUTCString() }), 4000)).toBe(6000)
    expect(retryAfterMs(new Headers(), 0)).toBeUndefined()
  })

  test('full jitter under an exponential cap; nothing when the wait does not fit the time left', () => {
    expect(nextDelayMs({ attempt: 0, requested: undefined, remainingMs: 10_000, random: () => 1 })).toBe(500)
    expect(nextDelayMs({ attempt: 3, requested: undefined, remainingMs: 10_000, random: () => 0.5 })).toBe(2000)
    expect(nextDelayMs({ attempt: 9, requested: undefined, remainingMs: 60_000, random: () => 1 })).toBe(8000)
    expect(nextDelayMs({ attempt: 0, requested: 5000, remainingMs: 2000, random: () => 0 })).toBeUndefined()
  })
})

describe('retries against the upstream', () => {
  let gw: TestGateway
  beforeAll(async () => {
    gw = await startGateway({ env: { UPSTREAM_RETRIES: '2', UPSTREAM_TIMEOUT: '3' } })
  })
  afterAll(() => gw.stop())
  beforeEach(() => gw.mock.reset())
  const overloaded = { kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' } as const

  test('529, 529, then 200 → the client gets the 200 after 3 attempts', async () => {
    gw.mock.reply(overloaded, overloaded)
    const response = await gw.chat({ ...HELLO, stream: true })
    expect(response.status).toBe(200)
    expect(await response.text()).toContain('[DONE]')
    expect(gw.mock.requests).toHaveLength(3)
  })

  test('429 with retry-after: 1 → the second attempt waits a second', async () => {
    gw.mock.reply({ kind: 'error', status: 429, type: 'rate_limit_error', message: 'slow down', headers: { 'retry-after': '1' } })
    const response = await gw.chat(HELLO)
    expect(response.status).toBe(200)
    const [first, second] = gw.mock.requests
    expect((second?.receivedAt ?? 0) - (first?.receivedAt ?? 0)).toBeGreaterThanOrEqual(950)
  })

  test('a retry-after beyond the time budget is passed on at once, with its header', async () => {
    gw.mock.reply({ kind: 'error', status: 429, type: 'rate_limit_error', message: 'slow down', headers: { 'retry-after': '30' } })
    const response = await gw.chat(HELLO)
    expect([response.status, response.headers.get('retry-after')]).toEqual([429, '30'])
    expect(gw.mock.requests).toHaveLength(1)
  })

  test.each([400, 401, 413])('%d is never retried', async (status) => {
    gw.mock.reply({ kind: 'error', status, type: 'invalid_request_error', message: 'no' })
    await gw.chat(HELLO)
    expect(gw.mock.requests).toHaveLength(1)
  })

  test('retries run out → the last error is answered', async () => {
    gw.mock.reply(overloaded, overloaded, overloaded)
    const response = await gw.chat(HELLO)
    expect([response.status, (await json(response)).error.code]).toEqual([503, 'overloaded'])
    expect(gw.mock.requests).toHaveLength(3)
  })

  test('a client that leaves during the backoff stops all further attempts', async () => {
    gw.mock.reply({ ...overloaded, headers: { 'retry-after': '1' } })
    await gw.abandonChat(HELLO, 200)
    await Bun.sleep(1200)
    expect(gw.mock.requests).toHaveLength(1)
  })
})
