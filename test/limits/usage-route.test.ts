import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createHash } from 'node:crypto'
import { CLIENT_KEY, json, startGateway, type TestGateway } from '../support/test-gateway.ts'

const KEY = 'sk-usage-key-0007'
const ADMIN = 'sk-admin-key-0008'
const ASK = { model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'Hello!' }] }

let gw: TestGateway
beforeAll(async () => {
  gw = await startGateway({
    env: {
      ADMIN_API_KEY: ADMIN,
      LOG_LEVEL: 'info',
      CLIENT_KEYS_JSON: JSON.stringify([
        { name: 'team-a', key: KEY, rpm: 10, tpm: 10_000, max_concurrent: 4, daily_token_budget: 50_000, models: ['claude-*'] },
        { name: 'unlimited', key: 'sk-unlimited-0009' },
      ]),
    },
  })
})
afterAll(() => gw.stop())

const usage = (key: string, query = '') => fetch(`${gw.url}/v1/usage${query}`, { headers: { authorization: `Bearer ${key}` } })

describe('GET /v1/usage', () => {
  test("a key reads its own usage: limits, what remains, today's and this month's counts", async () => {
    const answer = await gw.chat(ASK, { authorization: `Bearer ${KEY}` })
    const completion = await json(answer)
    const mine = await usage(KEY)
    expect(mine.status).toBe(200)
    const body = await json(mine)
    const today = new Date().toISOString().slice(0, 10)
    const used = completion.usage.prompt_tokens + completion.usage.completion_tokens
    const counts = { requests: 1, tokens: used, prompt_tokens: completion.usage.prompt_tokens, completion_tokens: completion.usage.completion_tokens }
    expect(body).toEqual({
      object: 'usage',
      name: 'team-a',
      limits: { rpm: 10, tpm: 10_000, max_concurrent: 4, daily_token_budget: 50_000, monthly_token_budget: null, models: ['claude-*'] },
      remaining: { requests: expect.any(Number), tokens: expect.any(Number), concurrent: 4, daily_tokens: 50_000 - used, monthly_tokens: null },
      today: { date: today, ...counts },
      this_month: { month: today.slice(0, 7), ...counts },
    })
    expect(body.remaining.requests).toBe(9)
    expect(body.remaining.tokens).toBeGreaterThanOrEqual(10_000 - used - 1)
    expect(JSON.stringify(body)).not.toContain(KEY)
  })

  test('the Anthropic-native routes settle on the usage the answer reports, JSON or streamed', async () => {
    const before = (await json(await usage(ADMIN, '?name=team-a'))).today
    const message = await json(await gw.post('/v1/messages', ASK, { 'x-api-key': KEY, authorization: '' }))
    const streamed = await (await gw.post('/v1/messages', { ...ASK, stream: true }, { 'x-api-key': KEY, authorization: '' })).text()
    const delta = JSON.parse(
      streamed
        .split('\n')
        .filter((line) => line.includes('"message_delta"'))
        .at(-1)
        ?.slice(6) ?? '{}',
    )
    const after = (await json(await usage(ADMIN, '?name=team-a'))).today
    const { input_tokens, output_tokens } = message.usage
    expect(after.prompt_tokens - before.prompt_tokens).toBe(2 * input_tokens)
    expect(after.completion_tokens - before.completion_tokens).toBe(output_tokens + delta.usage.output_tokens)
    expect(after.tokens - before.tokens).toBe(2 * input_tokens + output_tokens + delta.usage.output_tokens)
  })

  test('keys without limits are not counted in the store: today and this_month are null', async () => {
    const body = await json(await usage('sk-unlimited-0009'))
    expect(body).toMatchObject({ name: 'unlimited', today: null, this_month: null, remaining: { requests: null, daily_tokens: null } })
    const plain = await json(await usage(CLIENT_KEY))
    expect(plain.name).toBe(createHash('sha256').update(CLIENT_KEY).digest('hex').slice(0, 8))
  })

  test("a client key may not read another key's usage; the admin key reads any, or all", async () => {
    expect((await usage(KEY, '?name=unlimited')).status).toBe(403)
    expect((await usage(KEY, '?name=team-a')).status).toBe(200)
    expect((await json(await usage(ADMIN, '?name=team-a'))).name).toBe('team-a')
    const missing = await usage(ADMIN, '?name=nobody')
    expect(missing.status).toBe(404)
    expect((await json(missing)).error.param).toBe('name')
    const all = await json(await usage(ADMIN))
    expect(all.object).toBe('list')
    expect(all.data.map((entry: { name: string }) => entry.name)).toEqual([expect.any(String), expect.any(String), 'team-a', 'unlimited'])
    expect(JSON.stringify(all)).not.toContain('sk-')
  })

  test('the admin key opens only the usage route; no key at all is a 401', async () => {
    expect((await gw.chat(ASK, { authorization: `Bearer ${ADMIN}` })).status).toBe(401)
    expect((await fetch(`${gw.url}/v1/usage`)).status).toBe(401)
    expect((await fetch(`${gw.url}/v1/usage`, { method: 'POST', headers: { authorization: `Bearer ${KEY}` } })).status).toBe(405)
  })

  test('the log line names the key by its name, never the key', async () => {
    await gw.chat(ASK, { authorization: `Bearer ${KEY}` })
    await usage(ADMIN)
    const lines = gw.logs.join('')
    expect(lines).toContain('"key_id":"team-a"')
    expect(lines).toContain('"key_id":"admin"')
    expect(lines).not.toContain(KEY)
    expect(lines).not.toContain(ADMIN)
  })
})
