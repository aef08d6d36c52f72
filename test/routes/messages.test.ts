import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import { OpenAIError } from '../../src/errors/openai-error.ts'
import { fixtureEvents, fixtureText } from '../support/fixtures.ts'
import { CLIENT_KEY, json, startGateway, type TestGateway } from '../support/test-gateway.ts'

let gw: TestGateway
let client: Anthropic
beforeAll(async () => {
  gw = await startGateway({ env: { MODEL_ALIASES: 'fast:claude-haiku-4-5', MAX_TOKENS_HARD_LIMIT: '2000', UPSTREAM_ANTHROPIC_BETA: 'configured-beta' } })
  client = new Anthropic({ apiKey: CLIENT_KEY, baseURL: gw.url, maxRetries: 0, timeout: 5000 })
})
afterAll(() => gw.stop())
beforeEach(() => gw.mock.reset())

describe('Anthropic-native routes through the Anthropic SDK', () => {
  test('messages.create: the key as x-api-key, aliases and max_tokens rules applied, the rest as sent', async () => {
    const message = await client.messages.create({
      model: 'fast',
      max_tokens: 50_000,
      system: 'Be brief.',
      metadata: { user_id: 'u-1' },
      messages: [{ role: 'user', content: 'Hello from the Anthropic SDK' }],
    })
    expect(message.type).toBe('message')
    expect(message.content[0]?.type === 'text' && message.content[0].text).toContain('Hello from the Anthropic SDK')
    const sent = gw.mock.requests[0]
    expect(sent?.body).toEqual({
      model: 'claude-haiku-4-5',
      max_tokens: 2000,
      system: 'Be brief.',
      metadata: { user_id: 'u-1' },
      messages: [{ role: 'user', content: 'Hello from the Anthropic SDK' }],
    })
    expect(sent?.headers['x-api-key']).not.toBe(CLIENT_KEY)
  })

  test('a stream is piped back as the upstream sent it', async () => {
    gw.mock.reply({ kind: 'chunks', chunks: [fixtureText('anthropic/text.sse')] })
    const response = await gw.post(
      '/v1/messages',
      { model: 'claude-haiku-4-5', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'hi' }] },
      { 'x-api-key': CLIENT_KEY },
    )
    expect(response.headers.get('content-type')).toStartWith('text/event-stream')
    expect(await response.text()).toBe(fixtureText('anthropic/text.sse'))
  })

  test('messages.stream() in the SDK assembles the final message', async () => {
    const final = await client.messages
      .stream({ model: 'claude-haiku-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'Streaming hello' }] })
      .finalMessage()
    expect(final.content[0]?.type === 'text' && final.content[0].text).toContain('Streaming hello')
    expect(final.stop_reason).toBe('end_turn')
  })

  test('count_tokens goes to the count_tokens endpoint beside UPSTREAM_API_URL', async () => {
    const count = await client.messages.countTokens({ model: 'fast', messages: [{ role: 'user', content: 'count me' }] })
    expect(count.input_tokens).toBeGreaterThan(0)
    expect(gw.mock.requests[0]?.url).toEndWith('/v1/messages/count_tokens')
    expect(gw.mock.requests[0]?.body.model).toBe('claude-haiku-4-5')
  })

  test("the client's anthropic-beta is merged with the configured one", async () => {
    await client.messages.create(
      { model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'anthropic-beta': 'client-beta,configured-beta' } },
    )
    expect(gw.mock.requests[0]?.headers['anthropic-beta']).toBe('configured-beta,client-beta')
  })

  test('errors come in Anthropic shape: a wrong key, a bad body, an upstream error', async () => {
    const wrong = new Anthropic({ apiKey: 'nope', baseURL: gw.url, maxRetries: 0 })
    const unauthorized = await wrong.messages.create({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'x' }] }).catch((e) => e)
    expect(unauthorized).toBeInstanceOf(Anthropic.AuthenticationError)
    expect(unauthorized.error).toMatchObject({ type: 'error', error: { type: 'authentication_error' } })
    const invalid = await gw.post('/v1/messages', { model: 'm', messages: 'no' }, { 'x-api-key': CLIENT_KEY })
    expect([invalid.status, (await json(invalid)).error.type]).toEqual([400, 'invalid_request_error'])
    const stringNumber = await gw.post('/v1/messages', { model: 'm', max_tokens: '5', messages: [{ role: 'user', content: 'x' }] }, { 'x-api-key': CLIENT_KEY })
    expect([stringNumber.status, (await json(stringNumber)).error.message]).toEqual([400, expect.stringContaining('max_tokens')])
    expect(gw.mock.requests).toHaveLength(0)
    gw.mock.reply({ kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' })
    const overloaded = await gw.post('/v1/messages', { model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }, { 'x-api-key': CLIENT_KEY })
    expect(overloaded.status).toBe(503)
    expect(await json(overloaded)).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })
    expect(overloaded.headers.get('x-upstream-request-id')).toBe('req_mock_529')
  })
})

describe('a native stream in flight', () => {
  test('is in the stream registry, and a drain cuts it with an Anthropic error event', async () => {
    gw.mock.reply({ kind: 'events', events: fixtureEvents('anthropic/text.sse'), delayMs: 200 })
    const response = await gw.post(
      '/v1/messages',
      { model: 'm', max_tokens: 5, stream: true, messages: [{ role: 'user', content: 'x' }] },
      { 'x-api-key': CLIENT_KEY },
    )
    const reader = response.body!.getReader()
    await reader.read()
    expect(gw.registry.size).toBe(1)
    gw.registry.abortAll(new OpenAIError({ status: 503, type: 'server_error', code: 'shutting_down', message: 'restarting' }))
    let rest = ''
    for (let read = await reader.read(); !read.done; read = await reader.read()) rest += new TextDecoder().decode(read.value)
    expect(rest).toContain('event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"restarting"}}')
    expect(gw.registry.size).toBe(0)
  })
})

describe('Anthropic-native bodies the MAX_TOKENS_DYNAMIC estimate cannot walk', () => {
  test.each([
    ['a null message', { messages: [null] }],
    ['a text block without text', { messages: [{ role: 'user', content: [{ type: 'text' }] }] }],
    ['a tool without a name', { messages: [{ role: 'user', content: 'hi' }], tools: [{}] }],
    ['a system text that is a number', { messages: [{ role: 'user', content: 'hi' }], system: [{ type: 'text', text: 5 }] }],
  ])('%s → 400 invalid_request_error in Anthropic shape, nothing sent upstream', async (_name, body) => {
    const dynamic = await startGateway({ env: { MAX_TOKENS_DYNAMIC: 'true', MODEL_CONTEXT_LIMITS_JSON: '{"claude-haiku-4-5":200000}' } })
    try {
      const response = await dynamic.post('/v1/messages', { model: 'claude-haiku-4-5', max_tokens: 100, ...body }, { 'x-api-key': CLIENT_KEY })
      expect(response.status).toBe(400)
      expect((await json(response)).error.type).toBe('invalid_request_error')
      expect(dynamic.mock.requests).toHaveLength(0)
    } finally {
      await dynamic.stop()
    }
  })
})

describe('GET /v1/models', () => {
  test('lists aliases and their targets as an OpenAI model list, behind auth', async () => {
    const response = await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${CLIENT_KEY}` } })
    const body = await json(response)
    expect(body.object).toBe('list')
    expect(body.data.map((m: { id: string }) => m.id)).toEqual(['fast', 'claude-haiku-4-5'])
    expect((await fetch(`${gw.url}/v1/models`)).status).toBe(401)
    const one = await fetch(`${gw.url}/v1/models/fast`, { headers: { authorization: `Bearer ${CLIENT_KEY}` } })
    expect((await json(one)).id).toBe('fast')
    const missing = await fetch(`${gw.url}/v1/models/nope`, { headers: { authorization: `Bearer ${CLIENT_KEY}` } })
    expect([missing.status, (await json(missing)).error.code]).toEqual([404, 'model_not_found'])
    const broken = await fetch(`${gw.url}/v1/models/%E0%A4%A`, { headers: { authorization: `Bearer ${CLIENT_KEY}` } })
    expect([broken.status, (await json(broken)).error.code]).toEqual([404, 'model_not_found'])
    const posted = await fetch(`${gw.url}/v1/models/fast`, { method: 'POST', headers: { authorization: `Bearer ${CLIENT_KEY}` } })
    expect([posted.status, posted.headers.get('allow')]).toEqual([405, 'GET'])
  })
})
