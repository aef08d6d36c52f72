import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import { anthropicMessage } from '../support/anthropic-message.ts'
import { CLIENT_KEY, json, startGateway, type TestGateway } from '../support/test-gateway.ts'

let gateway: TestGateway
beforeAll(async () => {
  gateway = await startGateway()
})
afterAll(() => gateway.stop())
beforeEach(() => gateway.mock.reset())

const OTHER_KEY = 'sk-other-key'
const create = (body: Record<string, unknown>, key = CLIENT_KEY) =>
  gateway.post('/v1/responses', { model: 'claude-sonnet-4-5', ...body }, { authorization: `Bearer ${key}` })
const get = (path: string, key = CLIENT_KEY, method = 'GET') => fetch(`${gateway.url}${path}`, { method, headers: { authorization: `Bearer ${key}` } })

const thinking = { type: 'thinking' as const, thinking: 'The user wants Paris weather.', signature: 'sig-paris' }
const weatherCall = anthropicMessage({
  id: 'msg_call',
  content: [thinking, { type: 'tool_use', id: 'toolu_paris', name: 'get_weather', input: { city: 'Paris' } }],
  stop_reason: 'tool_use',
})
const answer = (text: string) => anthropicMessage({ id: 'msg_text', content: [{ type: 'text', text }], stop_reason: 'end_turn' })
const weather = { type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false }

describe('POST /v1/responses (JSON)', () => {
  test('a text answer is a completed response with the client model name, usage and its own ids', async () => {
    gateway.mock.reply({ kind: 'message', message: answer('Hello there.') })
    const response = await create({ input: 'Hi', instructions: 'Be kind.', metadata: { app: 'test' } })
    expect(response.status).toBe(200)
    const body = await json(response)
    expect(body).toMatchObject({
      object: 'response',
      status: 'completed',
      model: 'claude-sonnet-4-5',
      instructions: 'Be kind.',
      metadata: { app: 'test' },
      store: true,
      error: null,
      incomplete_details: null,
      usage: { input_tokens: 100, output_tokens: 20, total_tokens: 120 },
    })
    expect(body.id).toMatch(/^resp_[0-9a-f]{32}$/)
    expect(body.output).toEqual([
      {
        type: 'message',
        id: expect.stringMatching(/^msg_/),
        status: 'completed',
        role: 'assistant',
        content: [{ type: 'output_text', text: 'Hello there.', annotations: [] }],
      },
    ])
    expect(gateway.mock.requests[0]?.body.system).toEqual([{ type: 'text', text: 'Be kind.' }])
  })

  test('stored: GET returns it, input_items lists the input, DELETE removes it; another key sees nothing', async () => {
    gateway.mock.reply({ kind: 'message', message: answer('Stored.') })
    const created = await json(
      await create({
        input: [
          { role: 'user', content: 'one' },
          { role: 'user', content: [{ type: 'input_text', text: 'two' }] },
        ],
      }),
    )
    const path = `/v1/responses/${created.id}`

    expect(await json(await get(path))).toEqual(created)
    const page = await json(await get(`${path}/input_items`))
    expect(page).toMatchObject({ object: 'list', has_more: false })
    expect(page.data.map((item: { content: unknown }) => item.content)).toEqual([[{ type: 'input_text', text: 'two' }], 'one'])
    expect(page.data.every((item: { id: string }) => item.id.startsWith('msg_'))).toBe(true)
    const asc = await json(await get(`${path}/input_items?order=asc&limit=1`))
    expect([asc.data.length, asc.has_more, asc.first_id]).toEqual([1, true, page.data[1].id])
    const next = await json(await get(`${path}/input_items?order=asc&limit=1&after=${asc.last_id}`))
    expect([next.data[0].id, next.has_more]).toEqual([page.data[0].id, false])
    expect((await get(`${path}/input_items?limit=101`)).status).toBe(400)

    for (const route of [path, `${path}/input_items`]) expect((await get(route, OTHER_KEY)).status).toBe(404)
    expect((await get(path, OTHER_KEY, 'DELETE')).status).toBe(404)

    expect(await json(await get(path, CLIENT_KEY, 'DELETE'))).toEqual({ id: created.id, object: 'response', deleted: true })
    const gone = await get(path)
    expect(gone.status).toBe(404)
    expect((await json(gone)).error).toMatchObject({ type: 'invalid_request_error', message: `Response with id '${created.id}' not found.` })
  })

  test('previous_response_id: the continuation sends only the tool output; the stored history supplies the call and its thinking', async () => {
    gateway.mock.reply({ kind: 'message', message: weatherCall }, { kind: 'message', message: answer('18°C in Paris.') })
    const first = await json(await create({ input: 'Weather in Paris?', instructions: 'first instructions', tools: [weather], reasoning: { effort: 'low' } }))
    expect(first.output.map((item: { type: string }) => item.type)).toEqual(['reasoning', 'function_call'])
    const call = first.output[1]
    expect(call).toMatchObject({ call_id: 'toolu_paris', name: 'get_weather', arguments: '{"city":"Paris"}' })

    const second = await create({
      previous_response_id: first.id,
      input: [{ type: 'function_call_output', call_id: call.call_id, output: '18°C' }],
      tools: [weather],
      reasoning: { effort: 'low' },
    })
    expect(second.status).toBe(200)
    expect((await json(second)).output[0].content[0].text).toBe('18°C in Paris.')
    const sent = gateway.mock.requests[1]?.body
    expect(sent?.system).toBeUndefined()
    expect(sent?.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
      { role: 'assistant', content: [thinking, { type: 'tool_use', id: 'toolu_paris', name: 'get_weather', input: { city: 'Paris' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_paris', content: '18°C' }] },
    ])
    expect(sent?.thinking).toEqual({ type: 'enabled', budget_tokens: 2048 })
  })

  test.each([
    ['unknown', () => 'resp_0123456789abcdef0123456789abcdef'],
    [
      'deleted',
      async () => {
        gateway.mock.reply({ kind: 'message', message: answer('x') })
        const { id } = await json(await create({ input: 'x' }))
        await get(`/v1/responses/${id}`, CLIENT_KEY, 'DELETE')
        return id
      },
    ],
    [
      "another key's",
      async () => {
        gateway.mock.reply({ kind: 'message', message: answer('x') })
        return (await json(await create({ input: 'x' }, OTHER_KEY))).id
      },
    ],
    [
      'a store:false',
      async () => {
        gateway.mock.reply({ kind: 'message', message: answer('x') })
        return (await json(await create({ input: 'x', store: false }))).id
      },
    ],
  ])('previous_response_id of %s response → 400 previous_response_not_found, no upstream call', async (_name, idOf) => {
    const id = await idOf()
    const calls = gateway.mock.requests.length
    const response = await create({ previous_response_id: id, input: 'again' })
    expect(response.status).toBe(400)
    expect((await json(response)).error).toEqual({
      type: 'invalid_request_error',
      code: 'previous_response_not_found',
      param: 'previous_response_id',
      message: `Previous response with id '${id}' not found.`,
    })
    expect(gateway.mock.requests.length).toBe(calls)
  })

  test('item_reference brings back a stored item of the same key, reasoning payload included (AI SDK store:true)', async () => {
    gateway.mock.reply({ kind: 'message', message: weatherCall }, { kind: 'message', message: answer('Done.') })
    const first = await json(await create({ input: 'Weather in Paris?', tools: [weather], reasoning: { effort: 'low' } }))
    expect(first.output[0].encrypted_content).toBeUndefined()
    const [reasoning, call] = first.output
    const second = await create({
      tools: [weather],
      reasoning: { effort: 'low' },
      input: [
        { role: 'user', content: 'Weather in Paris?' },
        { type: 'item_reference', id: reasoning.id },
        { type: 'item_reference', id: call.id },
        { type: 'function_call_output', call_id: call.call_id, output: '18°C' },
      ],
    })
    expect(second.status).toBe(200)
    expect(gateway.mock.requests[1]?.body.messages[1]?.content).toEqual([
      thinking,
      { type: 'tool_use', id: 'toolu_paris', name: 'get_weather', input: { city: 'Paris' } },
    ])

    const foreign = await create({ input: [{ type: 'item_reference', id: call.id }] }, OTHER_KEY)
    expect(foreign.status).toBe(400)
    expect((await json(foreign)).error).toMatchObject({ code: 'item_not_found', param: 'input[0].id' })
  })

  test('a reasoning item sent back by id alone (Agents SDK) gets its signed block from the store', async () => {
    gateway.mock.reply({ kind: 'message', message: weatherCall }, { kind: 'message', message: answer('Done.') })
    const first = await json(await create({ input: 'Weather in Paris?', tools: [weather], reasoning: { effort: 'low' } }))
    const [reasoning, call] = first.output
    const second = await create({
      tools: [weather],
      reasoning: { effort: 'low' },
      input: [
        { role: 'user', content: 'Weather in Paris?' },
        { id: reasoning.id, type: 'reasoning', summary: [] },
        call,
        { type: 'function_call_output', call_id: call.call_id, output: '18°C', status: 'completed' },
      ],
    })
    expect(second.status).toBe(200)
    expect(second.headers.get('x-gateway-adjustments')).toBeNull()
    expect(gateway.mock.requests[1]?.body.messages[1]?.content[0]).toEqual(thinking)
  })

  test('store:false keeps nothing; include gives the reasoning payload that round-trips without the store (Codex)', async () => {
    gateway.mock.reply({ kind: 'message', message: weatherCall }, { kind: 'message', message: answer('Done.') })
    const first = await json(
      await create({ input: 'Weather?', tools: [weather], store: false, include: ['reasoning.encrypted_content'], reasoning: { effort: 'low' } }),
    )
    expect((await get(`/v1/responses/${first.id}`)).status).toBe(404)
    const [reasoning, call] = first.output
    expect(reasoning.encrypted_content).toStartWith('gw1.')
    const second = await create({
      store: false,
      tools: [weather],
      reasoning: { effort: 'low' },
      input: [{ role: 'user', content: 'Weather?' }, reasoning, call, { type: 'function_call_output', call_id: call.call_id, output: '18°C' }],
    })
    expect(second.status).toBe(200)
    expect(second.headers.get('x-gateway-adjustments')).toBeNull()
    expect(gateway.mock.requests[1]?.body.messages[1]?.content[0]).toEqual(thinking)
  })

  test('a store that cannot be reached is a 503 store_unavailable, before any upstream call', async () => {
    const broken = await startGateway()
    try {
      await broken.store.close()
      const response = await broken.post('/v1/responses', { model: 'claude-sonnet-4-5', input: 'x' })
      expect(response.status).toBe(503)
      expect((await json(response)).error).toMatchObject({ type: 'server_error', code: 'store_unavailable' })
      expect((await broken.post('/v1/responses', { model: 'claude-sonnet-4-5', input: 'x', previous_response_id: 'resp_1' })).status).toBe(503)
    } finally {
      await broken.stop()
    }
  })

  test.each([
    ['background:true', { input: 'x', background: true }, 'background'],
    ['an unknown item type', { input: [{ type: 'hologram', data: 1 }] }, 'input[0].type'],
    ['a bad role', { input: [{ role: 'robot', content: 'x' }] }, 'input[0].role'],
    ['max_output_tokens as a string', { input: 'x', max_output_tokens: '5' }, 'max_output_tokens'],
  ])('%s → 400 naming the field', async (_name, body, param) => {
    const response = await create(body)
    expect(response.status).toBe(400)
    expect((await json(response)).error.param).toBe(param)
  })

  test('web_search goes upstream as the server web search tool, which the mock accepts as the API does', async () => {
    const response = await create({
      input: 'news?',
      tools: [{ type: 'web_search', user_location: { type: 'approximate', country: 'GB' } }],
      tool_choice: { type: 'web_search_preview' },
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('x-gateway-adjustments')).toBeNull()
    expect(gateway.mock.requests[0]?.body.tools).toEqual([
      { type: 'web_search_20250305', name: 'web_search', user_location: { type: 'approximate', country: 'GB' } },
    ])
    expect(gateway.mock.requests[0]?.body.tool_choice).toEqual({ type: 'tool', name: 'web_search' })
  })

  test('a continuation after a web search sends the search blocks back as the API gave them', async () => {
    const search = [
      { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'bun 2 release' } },
      {
        type: 'web_search_tool_result',
        tool_use_id: 'srvtoolu_1',
        content: [{ type: 'web_search_result', url: 'https://bun.sh', title: 'Bun', encrypted_content: 'opaque', page_age: null }],
      },
      { type: 'text', text: 'Bun 2 is out.' },
    ]
    gateway.mock.reply({ kind: 'message', message: anthropicMessage({ id: 'msg_search', content: search as never, stop_reason: 'end_turn' }) })
    const first = await json(await create({ input: 'news?', tools: [{ type: 'web_search' }] }))
    expect(first.output.map((item: { type: string }) => item.type)).toEqual(['web_search_call', 'message'])
    const next = await create({ previous_response_id: first.id, input: 'more?', tools: [{ type: 'web_search' }] })
    expect(next.status).toBe(200)
    expect(gateway.mock.requests[1]?.body.messages[1]?.content).toEqual(search as never)
  })

  test('unknown fields and dropped tools are reported in x-gateway-adjustments', async () => {
    gateway.mock.reply({ kind: 'message', message: answer('ok') })
    const response = await create({ input: 'x', tools: [{ type: 'code_interpreter', container: { type: 'auto' } }], future_field: true })
    expect(response.status).toBe(200)
    expect(response.headers.get('x-gateway-adjustments')).toBe('tools.code_interpreter:dropped,future_field:ignored')
  })
})

const events = (text: string) =>
  text
    .split('\n\n')
    .filter((frame) => frame.startsWith('event: '))
    .map((frame) => JSON.parse(frame.slice(frame.indexOf('\ndata: ') + 7)))

describe('POST /v1/responses (stream)', () => {
  test('events from response.created to response.completed, numbered from 0; stored before the terminal event', async () => {
    gateway.mock.reply({ kind: 'message', message: answer('Streamed hello.') })
    const response = await create({ input: 'Hi', stream: true })
    expect(response.headers.get('content-type')).toBe('text/event-stream')
    const all = events(await response.text())
    expect(all.map((event) => event.sequence_number)).toEqual(all.map((_, i) => i))
    expect(all[0].type).toBe('response.created')
    const terminal = all.at(-1)
    expect(terminal.type).toBe('response.completed')
    expect(terminal.response.output[0].content[0].text).toBe('Streamed hello.')
    expect(await json(await get(`/v1/responses/${terminal.response.id}`))).toEqual(terminal.response)
  })

  test('an upstream error before the first event is an HTTP error; after it, response.failed with a code', async () => {
    gateway.mock.reply({ kind: 'error', status: 429, type: 'rate_limit_error', message: 'slow down' })
    const early = await create({ input: 'Hi', stream: true })
    expect(early.status).toBe(429)
    expect((await json(early)).error.type).toBe('rate_limit_error')

    gateway.mock.reply({
      kind: 'events',
      events: [
        { type: 'message_start', message: { ...answer(''), content: [], stop_reason: null } },
        { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Part' } },
        { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
      ],
    })
    const late = events(await (await create({ input: 'Hi', stream: true })).text())
    const terminal = late.at(-1)
    expect(terminal.type).toBe('response.failed')
    expect(terminal.response.error.code).toBeString()
    expect((await get(`/v1/responses/${terminal.response.id}`)).status).toBe(404)
  })
})

describe('routes', () => {
  test('the routes need a key; POST on an id is a 405', async () => {
    expect((await fetch(`${gateway.url}/v1/responses`, { method: 'POST', body: '{}' })).status).toBe(401)
    expect((await fetch(`${gateway.url}/v1/responses/resp_1`)).status).toBe(401)
    const wrong = await gateway.post('/v1/responses/resp_1', {})
    expect([wrong.status, wrong.headers.get('allow')]).toEqual([405, 'GET, DELETE'])
  })
})
