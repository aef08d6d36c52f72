import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import { CLIENT_KEY, HELLO, json, sseData, sseJson, startGateway, type TestGateway, UPSTREAM_KEY } from '../support/test-gateway.ts'

let gw: TestGateway
beforeAll(async () => {
  gw = await startGateway()
})
afterAll(() => gw.stop())
beforeEach(() => gw.mock.reset())

describe('a chat completion, JSON and streamed', () => {
  test('non-stream: chat.completion with the requested model and usage; the upstream got the mapped request', async () => {
    const response = await gw.chat({ ...HELLO, model: 'claude-haiku-4-5', max_tokens: 50, temperature: 1.5, seed: 7 })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/json')
    expect(response.headers.get('x-request-id')).toMatch(/^req_/)
    expect(response.headers.get('x-gateway-adjustments')).toBe('temperature:clamped,seed:ignored')
    expect(response.headers.get('x-upstream-request-id')).toBe('req_mock_200')
    const body = await json(response)
    expect(body).toMatchObject({ object: 'chat.completion', model: 'claude-haiku-4-5', choices: [{ index: 0, finish_reason: 'stop' }] })
    expect(body.id).toMatch(/^chatcmpl-msg_mock/)
    expect(body.choices[0].message.content).toContain('Your last message was: "Hello!"')
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + body.usage.completion_tokens)
    const sent = gw.mock.requests[0]
    expect(sent?.body).toEqual({
      model: 'claude-haiku-4-5',
      max_tokens: 50,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello!' }] }],
      temperature: 1,
    })
  })

  test('stream: SSE headers, role first, one finish chunk, [DONE] last', async () => {
    const response = await gw.chat({ ...HELLO, stream: true })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/event-stream')
    expect(response.headers.get('cache-control')).toBe('no-cache')
    expect(response.headers.get('x-accel-buffering')).toBe('no')
    const text = await response.text()
    const chunks = sseJson(text)
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' })
    expect(chunks.filter((c) => c.choices[0]?.finish_reason)).toHaveLength(1)
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toContain('Hello!')
    expect(sseData(text).at(-1)).toBe('[DONE]')
    expect(gw.mock.requests[0]?.body.stream).toBe(true)
  })

  test('upstream headers: the upstream key and version, no client credentials or hop-by-hop headers', async () => {
    await gw.chat(HELLO, {
      cookie: 'session=1',
      'proxy-authorization': 'Basic eA==',
      'x-api-key': 'client-x',
      connection: 'x-secret',
      'x-secret': '1',
      te: 'trailers',
    })
    const headers = gw.mock.requests[0]?.headers ?? {}
    expect(headers['x-api-key']).toBe(UPSTREAM_KEY)
    expect(headers['anthropic-version']).toBe('2023-06-01')
    for (const name of ['authorization', 'cookie', 'proxy-authorization', 'x-secret', 'te']) expect(headers[name]).toBeUndefined()
    expect(JSON.stringify(headers)).not.toContain(CLIENT_KEY)
  })

  test('n = 2 fans out and merges choices with summed usage, JSON and streamed', async () => {
    const whole = await json(await gw.chat({ ...HELLO, n: 2 }))
    expect(whole.choices.map((c: { index: number }) => c.index)).toEqual([0, 1])
    expect(gw.mock.requests).toHaveLength(2)
    const text = await (await gw.chat({ ...HELLO, n: 2, stream: true, stream_options: { include_usage: true } })).text()
    const chunks = sseJson(text)
    const finishes = chunks.flatMap((c) =>
      c.choices.filter((ch: { finish_reason: string | null }) => ch.finish_reason).map((ch: { index: number }) => ch.index),
    )
    expect(finishes.sort()).toEqual([0, 1])
    expect(chunks.at(-1).choices).toEqual([])
    // Both answers are the same echo, so the summed usage equals the JSON request's.
    expect(chunks.at(-1).usage.total_tokens).toBe(whole.usage.total_tokens)
    expect(sseData(text).filter((d) => d === '[DONE]')).toHaveLength(1)
  })

  test('a sane client x-request-id is kept; another is replaced', async () => {
    expect((await gw.chat(HELLO, { 'x-request-id': 'my-trace.1' })).headers.get('x-request-id')).toBe('my-trace.1')
    expect((await gw.chat(HELLO, { 'x-request-id': 'bad id <script>' })).headers.get('x-request-id')).toMatch(/^req_/)
  })

  test('every answer carries its x-request-id exactly once: success, stream, bad input, upstream error, native route', async () => {
    const idOf = async (pending: Promise<Response>) => {
      const response = await pending
      await response.text()
      return [response.status, response.headers.get('x-request-id')]
    }
    const trace = { 'x-request-id': 'trace-1' }
    expect(await idOf(gw.chat(HELLO, trace))).toEqual([200, 'trace-1'])
    expect(await idOf(gw.chat({ ...HELLO, stream: true }, trace))).toEqual([200, 'trace-1'])
    expect(await idOf(gw.chat({ model: 'm' }, trace))).toEqual([400, 'trace-1'])
    gw.mock.reply({ kind: 'error', status: 429, type: 'rate_limit_error', message: 'Slow down' })
    expect(await idOf(gw.chat(HELLO, trace))).toEqual([429, 'trace-1'])
    const native = { ...trace, 'x-api-key': CLIENT_KEY }
    expect(await idOf(gw.post('/v1/messages', { model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }, native))).toEqual([200, 'trace-1'])
    expect(await idOf(gw.post('/v1/messages', { model: 'm' }, native))).toEqual([400, 'trace-1'])
  })
})

describe('auth, before the body is read', () => {
  test.each([
    ['no header', {}],
    ['empty bearer', { authorization: 'Bearer ' }],
    ['Basic', { authorization: `Basic ${btoa(`${CLIENT_KEY}:`)}` }],
    ['wrong key, same length', { authorization: `Bearer ${CLIENT_KEY.slice(0, -1)}X` }],
    ['shorter', { authorization: 'Bearer sk' }],
    ['10 KiB', { authorization: `Bearer ${'k'.repeat(10240)}` }],
    ['Latin-1', { authorization: 'Bearer clé-ü' }],
    ['x-api-key on the OpenAI route', { 'x-api-key': CLIENT_KEY }],
  ])('%s → 401 invalid_api_key, nothing sent upstream, no piece of the key echoed', async (_name, headers) => {
    const response = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(headers as Record<string, string>) },
      body: JSON.stringify(HELLO),
    })
    expect(response.status).toBe(401)
    const text = await response.text()
    expect(JSON.parse(text)).toEqual({ error: { message: expect.any(String), type: 'invalid_request_error', param: null, code: 'invalid_api_key' } })
    expect(text).not.toContain(CLIENT_KEY.slice(3, 9))
    expect(gw.mock.requests).toHaveLength(0)
  })

  test('a wrong key with a broken or huge declared body is still a 401', async () => {
    const headers = { authorization: 'Bearer nope', 'content-type': 'application/json' }
    expect((await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers, body: '{oops' })).status).toBe(401)
  })

  test('every configured key works', async () => {
    expect((await gw.chat(HELLO, { authorization: 'Bearer sk-other-key' })).status).toBe(200)
  })
})

describe('bad input → a 400 in OpenAI shape, nothing sent upstream', () => {
  const raw = (body: string | Uint8Array, contentType = 'application/json') =>
    fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': contentType }, body })

  test.each([
    ['invalid JSON', '{"model":', 'application/json'],
    ['empty body', '', 'application/json'],
    ['a JSON array', '[1,2]', 'application/json'],
    ['a JSON string', '"hi"', 'application/json'],
    ['text/plain', JSON.stringify(HELLO), 'text/plain'],
    ['form encoding', 'a=b', 'application/x-www-form-urlencoded'],
    ['invalid UTF-8', new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), 'application/json'],
  ])('%s → 400 invalid_json', async (_name, body, type) => {
    const response = await raw(body as string | Uint8Array, type)
    expect(response.status).toBe(400)
    expect((await json(response)).error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_json', param: null })
    expect(gw.mock.requests).toHaveLength(0)
  })

  const user = { role: 'user', content: 'hi' }
  test.each([
    [{ model: 'm' }, 'messages'],
    [{ model: 'm', messages: [] }, 'messages'],
    [{ model: 'm', messages: 'hi' }, 'messages'],
    [{ model: 'm', messages: [{ role: 'bot', content: 'hi' }] }, 'messages[0].role'],
    [{ model: 'm', messages: [{ content: 'hi' }] }, 'messages[0].role'],
    [{ model: 'm', messages: [{ role: 'user', content: 5 }] }, 'messages[0].content'],
    [{ model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 5 }] }] }, 'messages[0].content[0].text'],
    [{ model: 'm', messages: [{ role: 'user', content: [{ type: 'video', url: 'x' }] }] }, 'messages[0].content[0].type'],
    [{ model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }] }, 'messages[0].content[0].image_url.url'],
    [{ model: 'm', messages: [user], max_tokens: -1 }, 'max_tokens'],
    [{ model: 'm', messages: [user], max_tokens: 1.5 }, 'max_tokens'],
    // Elysia's own t.Integer would coerce this; the OpenAI API rejects it.
    [{ model: 'm', messages: [user], max_tokens: '512' }, 'max_tokens'],
    [{ model: 'm', messages: [user], n: '2' }, 'n'],
    [{ model: 'm', messages: [user], max_completion_tokens: 0 }, 'max_completion_tokens'],
    [{ model: 'm', messages: [user], temperature: 'hot' }, 'temperature'],
    [{ model: 'm', messages: [user], temperature: 2.5 }, 'temperature'],
    [{ model: 'm', messages: [user], top_p: 1.5 }, 'top_p'],
    [{ model: 'm', messages: [user], stream: 'yes' }, 'stream'],
    [{ model: 'm', messages: [user], stop: [1] }, 'stop[0]'],
    [{ model: 'm', messages: [user], n: 0 }, 'n'],
    [{ model: 'm', messages: [user], tools: [{ type: 'function' }] }, 'tools[0].function'],
    [{ model: 'm', messages: [user], tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: 'sometimes' }, 'tool_choice'],
    [{ model: 'm', messages: [user], response_format: { type: 'xml' } }, 'response_format.type'],
    [{ model: 'm', messages: [user], reasoning_effort: 'extreme' }, 'reasoning_effort'],
    [{ model: '', messages: [user] }, 'model'],
    [
      { model: 'm', messages: [{ role: 'assistant', tool_calls: [{ id: 'a', type: 'function', function: { name: 'f' } }] }] },
      'messages[0].tool_calls[0].function.arguments',
    ],
  ])('%j → 400 param %s', async (body, param) => {
    const response = await raw(JSON.stringify(body))
    expect(response.status).toBe(400)
    const { error } = await json(response)
    expect(error).toMatchObject({ type: 'invalid_request_error', param })
    expect(error.message).toContain(param)
    expect(gw.mock.requests).toHaveLength(0)
  })

  test("stop: more than OpenAI's 4 sequences pass on to the upstream; past 64 the 400 says the list is too long", async () => {
    const seventeen = Array.from({ length: 17 }, (_, i) => `END${i}`)
    expect((await gw.chat({ ...HELLO, stop: seventeen })).status).toBe(200)
    expect(gw.mock.requests[0]?.body.stop_sequences).toEqual(seventeen)
    const response = await gw.chat({ ...HELLO, stop: Array.from({ length: 65 }, (_, i) => `END${i}`) })
    expect(response.status).toBe(400)
    const { error } = await json(response)
    expect(error).toMatchObject({ type: 'invalid_request_error', param: 'stop' })
    expect(error.message).toContain('64')
    expect(error.message).not.toContain('string')
  })

  test('a mapping error is a 400 too (no model, no DEFAULT_MODEL)', async () => {
    const response = await gw.chat({ messages: [user] })
    expect(response.status).toBe(400)
    expect((await json(response)).error).toMatchObject({ param: 'model', code: 'invalid_value' })
  })

  test('fields the openai SDK echoes back on history messages are accepted', async () => {
    const history = [user, { role: 'assistant', content: 'yo', refusal: null, annotations: [], audio: null }, user]
    expect((await gw.chat({ model: 'claude-sonnet-4-5', messages: history })).status).toBe(200)
  })
})

describe('a malformed upstream answer', () => {
  test('non-stream: a text block without text is a 502 upstream_bad_response, not a 200 without content', async () => {
    const message = { id: 'msg_x', type: 'message', role: 'assistant', model: 'm', content: [{ type: 'text' }], stop_reason: 'end_turn', usage: {} }
    gw.mock.reply({ kind: 'raw', status: 200, body: JSON.stringify(message), headers: { 'content-type': 'application/json' } })
    const response = await gw.chat(HELLO)
    expect(response.status).toBe(502)
    expect((await json(response)).error).toMatchObject({ type: 'upstream_error', code: 'upstream_bad_response' })
  })

  test('stream: a text_delta holding "\\x" is one upstream_bad_response chunk; every data line is JSON', async () => {
    const head = [
      { type: 'message_start', message: { id: 'msg_x', type: 'message', role: 'assistant', model: 'm', content: [], stop_reason: null, usage: {} } },
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    ]
    const bad = 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"\\x"}}\n\n'
    gw.mock.reply({ kind: 'chunks', chunks: [...head.map((e) => `data: ${JSON.stringify(e)}\n\n`), bad, 'data: {"type":"message_stop"}\n\n'] })
    const text = await (await gw.chat({ ...HELLO, stream: true })).text()
    const data = sseData(text)
    for (const frame of data.slice(0, -1)) expect(() => JSON.parse(frame)).not.toThrow()
    expect(
      sseJson(text)
        .filter((c) => c.error)
        .map((c) => c.error.code),
    ).toEqual(['upstream_bad_response'])
    expect(sseJson(text).some((c) => c.choices?.[0]?.finish_reason)).toBe(false)
  })
})

describe('routes', () => {
  test('GET /health → 200 {"status":"ok"} without a key, no upstream call', async () => {
    const response = await fetch(`${gw.url}/health`)
    expect([response.status, await json(response)]).toEqual([200, { status: 'ok' }])
    expect(gw.mock.requests).toHaveLength(0)
  })

  test('GET /health → 503 {"status":"draining"} once the worker drains', async () => {
    gw.lifecycle.draining = true
    try {
      const response = await fetch(`${gw.url}/health`)
      expect([response.status, await json(response)]).toEqual([503, { status: 'draining' }])
    } finally {
      gw.lifecycle.draining = false
    }
  })

  test('wrong method → 405 with allow; unknown route → 404; both OpenAI-shaped', async () => {
    const get = await fetch(`${gw.url}/v1/chat/completions`, { headers: { authorization: `Bearer ${CLIENT_KEY}` } })
    expect(get.status).toBe(405)
    expect(get.headers.get('allow')).toBe('POST')
    expect((await json(get)).error.code).toBe('method_not_allowed')
    const nope = await gw.post('/v1/nope', {})
    expect(nope.status).toBe(404)
    expect((await json(nope)).error).toMatchObject({ type: 'invalid_request_error', code: 'not_found' })
  })
})
