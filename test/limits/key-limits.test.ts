import { afterEach, describe, expect, test } from 'bun:test'
import { json, startGateway, type TestGateway } from '../support/test-gateway.ts'

const KEY = 'sk-limited-key-0003'
const LIMITED = { authorization: `Bearer ${KEY}` }
const ASK = { model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'Hello!' }] }

let gateway: TestGateway | undefined
afterEach(async () => {
  await gateway?.stop()
  gateway = undefined
})

const withKey = async (settings: Record<string, unknown>, env: Record<string, string> = {}) => {
  gateway = await startGateway({ env: { CLIENT_KEYS_JSON: JSON.stringify([{ name: 'team-a', key: KEY, ...settings }]), ...env } })
  return gateway
}

describe('per-key limits on the routes', () => {
  test('rpm 3: three answers with the rate-limit headers, then 429 rate_limit_exceeded with retry-after, never sent upstream', async () => {
    const gw = await withKey({ rpm: 3 })
    const answers = await Promise.all(Array.from({ length: 5 }, () => gw.chat(ASK, LIMITED)))
    const statuses = answers.map((r) => r.status).sort()
    expect(statuses).toEqual([200, 200, 200, 429, 429])
    expect(gw.mock.requests).toHaveLength(3)
    const ok = answers.find((r) => r.status === 200) as Response
    expect(ok.headers.get('x-ratelimit-limit-requests')).toBe('3')
    expect(Number(ok.headers.get('x-ratelimit-remaining-requests'))).toBeLessThanOrEqual(2)
    expect(ok.headers.get('x-ratelimit-reset-requests')).toMatch(/^\d+(\.\d+)?m?s$|^\d+m\d+s$/)
    const refused = answers.find((r) => r.status === 429) as Response
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(refused.headers.get('x-ratelimit-remaining-requests')).toBe('0')
    const body = await json(refused)
    expect(body.error).toMatchObject({ type: 'requests', code: 'rate_limit_exceeded', param: null })
    expect(body.error.message).toContain('team-a')
    expect(JSON.stringify(body)).not.toContain(KEY)
  })

  test('tpm: the estimate (prompt + max_tokens) is reserved; one over the bucket is refused as tokens', async () => {
    const gw = await withKey({ tpm: 250 })
    const first = await gw.chat(ASK, LIMITED)
    expect(first.status).toBe(200)
    expect(first.headers.get('x-ratelimit-limit-tokens')).toBe('250')
    // 250 − (2 prompt + 100) reserved = 148 left; the reservation settles to the real use later.
    expect(Number(first.headers.get('x-ratelimit-remaining-tokens'))).toBe(148)
    const big = await gw.chat({ ...ASK, max_tokens: 240 }, LIMITED)
    expect(big.status).toBe(429)
    expect((await json(big)).error).toMatchObject({ type: 'tokens', code: 'rate_limit_exceeded' })
    expect(gw.mock.requests).toHaveLength(1)
  })

  test('a spent daily budget is 429 insufficient_quota; concurrent requests cannot overshoot it', async () => {
    // Each request reserves 2 + 100 tokens; 250 admits two of them, whatever the concurrency.
    const gw = await withKey({ daily_token_budget: 250 })
    gw.mock.reply(...Array.from({ length: 8 }, () => ({ kind: 'delay' as const, ms: 100, reply: { kind: 'echo' as const } })))
    const answers = await Promise.all(Array.from({ length: 8 }, () => gw.chat(ASK, LIMITED)))
    expect(answers.filter((r) => r.status === 200)).toHaveLength(2)
    const refused = answers.find((r) => r.status === 429) as Response
    expect((await json(refused)).error).toMatchObject({ type: 'insufficient_quota', code: 'insufficient_quota' })
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(gw.mock.requests).toHaveLength(2)
  })

  test('reservations settle to the real use, so the budget frees what the estimate over-counted', async () => {
    // The echo answer uses far fewer than 100 output tokens: after settling, a third request fits.
    const gw = await withKey({ daily_token_budget: 250 })
    for (let i = 0; i < 3; i++) expect((await gw.chat(ASK, LIMITED)).status).toBe(200)
  })

  test('max_concurrent 1: a second request while the first is in flight is refused, and admitted once it ended', async () => {
    const gw = await withKey({ max_concurrent: 1 })
    gw.mock.reply({ kind: 'delay', ms: 300, reply: { kind: 'echo' } })
    const slow = gw.chat(ASK, LIMITED)
    await Bun.sleep(100)
    const second = await gw.chat(ASK, LIMITED)
    expect(second.status).toBe(429)
    expect((await json(second)).error.code).toBe('rate_limit_exceeded')
    expect((await slow).status).toBe(200)
    expect((await gw.chat(ASK, LIMITED)).status).toBe(200)
  })

  test('a stream holds its slot until it ends, and an upstream error frees it', async () => {
    const gw = await withKey({ max_concurrent: 1 })
    gw.mock.reply({ kind: 'error', status: 500, type: 'api_error', message: 'boom' })
    expect((await gw.chat(ASK, LIMITED)).status).toBe(500)
    const stream = await gw.chat({ ...ASK, stream: true }, LIMITED)
    expect(stream.status).toBe(200)
    await stream.text()
    expect((await gw.chat(ASK, LIMITED)).status).toBe(200)
  })

  test('models: matched after aliases, exact or by prefix; another model is 403 model_not_allowed', async () => {
    const gw = await withKey({ models: ['claude-haiku-*', 'claude-sonnet-4-5'] }, { MODEL_ALIASES: 'fast:claude-haiku-4-5,big:claude-opus-4-1' })
    expect((await gw.chat({ ...ASK, model: 'fast' }, LIMITED)).status).toBe(200)
    expect((await gw.chat(ASK, LIMITED)).status).toBe(200)
    const refused = await gw.chat({ ...ASK, model: 'big' }, LIMITED)
    expect(refused.status).toBe(403)
    expect((await json(refused)).error).toMatchObject({ code: 'model_not_allowed', param: 'model' })
    const native = await gw.post('/v1/messages', { ...ASK, model: 'big' }, LIMITED)
    expect(native.status).toBe(403)
    expect((await json(native)).error.type).toBe('permission_error')
    expect(gw.mock.requests).toHaveLength(2)
  })

  test('Anthropic-native routes answer a limit in Anthropic shape; count_tokens counts a request but no tokens', async () => {
    const gw = await withKey({ rpm: 2, tpm: 150 })
    const counted = await gw.post('/v1/messages/count_tokens', { model: 'claude-sonnet-4-5', messages: ASK.messages }, LIMITED)
    expect(counted.status).toBe(200)
    expect(counted.headers.get('x-ratelimit-remaining-tokens')).toBe('150')
    expect((await gw.post('/v1/messages', ASK, LIMITED)).status).toBe(200)
    const refused = await gw.post('/v1/messages', ASK, LIMITED)
    expect(refused.status).toBe(429)
    expect(refused.headers.get('x-ratelimit-limit-requests')).toBe('2')
    expect(await json(refused)).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } })
  })

  test('an upstream error after admission carries the rate-limit headers too', async () => {
    const gw = await withKey({ rpm: 5 })
    gw.mock.reply({ kind: 'error', status: 400, type: 'invalid_request_error', message: 'no' })
    const answer = await gw.chat(ASK, LIMITED)
    expect(answer.status).toBe(400)
    expect(answer.headers.get('x-ratelimit-limit-requests')).toBe('5')
  })

  test('keys without limits never get the headers', async () => {
    const gw = await withKey({ rpm: 1 })
    for (let i = 0; i < 3; i++) {
      const answer = await gw.chat(ASK)
      expect(answer.status).toBe(200)
      expect(answer.headers.get('x-ratelimit-limit-requests')).toBeNull()
    }
  })
})

describe('LIMITS_FAIL_MODE when the store fails', () => {
  const breakStore = (gw: TestGateway) => gw.limitStore?.close()

  test('open (the default): served, logged once, no limit headers', async () => {
    const gw = await withKey({ rpm: 1 }, { LOG_LEVEL: 'warn' })
    breakStore(gw)
    for (let i = 0; i < 3; i++) expect((await gw.chat(ASK, LIMITED)).status).toBe(200)
    expect(gw.logs.filter((line) => line.includes('limit store failed'))).toHaveLength(1)
  })

  test('closed: 503 limits_unavailable, nothing sent upstream', async () => {
    const gw = await withKey({ rpm: 1 }, { LIMITS_FAIL_MODE: 'closed' })
    breakStore(gw)
    const answer = await gw.chat(ASK, LIMITED)
    expect(answer.status).toBe(503)
    expect((await json(answer)).error.code).toBe('limits_unavailable')
    expect(gw.mock.requests).toHaveLength(0)
  })
})
