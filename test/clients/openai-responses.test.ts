import { describe, expect, test } from 'bun:test'
import type OpenAI from 'openai'
import { anthropicMessage } from '../support/anthropic-message.ts'
import { openAISuite } from '../support/openai-suite.ts'

const suite = openAISuite()
const model = 'claude-sonnet-4-5'

const weather: OpenAI.Responses.FunctionTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Current weather of a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  strict: true,
}
const thinking = { type: 'thinking' as const, thinking: 'Check the weather tool.', signature: 'sig-weather' }
const toolCall = (id: string) =>
  anthropicMessage({ id: 'msg_tool', content: [thinking, { type: 'tool_use', id, name: 'get_weather', input: { city: 'Paris' } }], stop_reason: 'tool_use' })
const text = (value: string) => anthropicMessage({ id: 'msg_text', content: [{ type: 'text', text: value }], stop_reason: 'end_turn' })

describe('the openai SDK client.responses', () => {
  test('create: text in, output_text out', async () => {
    const response = await suite.client.responses.create({ model, instructions: 'Be brief.', input: 'Hello from responses.create' })
    expect(response.status).toBe('completed')
    expect(response.output_text).toContain('Hello from responses.create')
    expect(response.usage?.total_tokens).toBe((response.usage?.input_tokens ?? 0) + (response.usage?.output_tokens ?? 0))
    expect(suite.gw.mock.requests[0]?.body.system).toEqual([{ type: 'text', text: 'Be brief.' }])
  })

  test('tools: a full round trip, the continuation sending only the tool output with previous_response_id', async () => {
    suite.gw.mock.reply({ kind: 'message', message: toolCall('toolu_sdk') }, { kind: 'message', message: text('18°C and sunny in Paris.') })
    const first = await suite.client.responses.create({ model, input: 'Weather in Paris?', tools: [weather], reasoning: { effort: 'low' } })
    const call = first.output.find((item): item is OpenAI.Responses.ResponseFunctionToolCall => item.type === 'function_call')
    expect(call).toMatchObject({ call_id: 'toolu_sdk', name: 'get_weather', arguments: '{"city":"Paris"}', status: 'completed' })
    const second = await suite.client.responses.create({
      model,
      previous_response_id: first.id,
      tools: [weather],
      reasoning: { effort: 'low' },
      input: [{ type: 'function_call_output', call_id: call?.call_id ?? '', output: JSON.stringify({ celsius: 18 }) }],
    })
    expect(second.output_text).toBe('18°C and sunny in Paris.')
    expect(second.previous_response_id).toBe(first.id)
    expect(suite.gw.mock.requests[1]?.body.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user'])
  })

  test('json_schema through text.format: the answer is the JSON text', async () => {
    suite.gw.mock.reply({ kind: 'message', message: text('{"city":"Paris","celsius":18}') })
    const response = await suite.client.responses.create({
      model,
      input: 'Weather as JSON',
      text: {
        format: {
          type: 'json_schema',
          name: 'weather',
          strict: true,
          schema: {
            type: 'object',
            properties: { city: { type: 'string' }, celsius: { type: 'number' } },
            required: ['city', 'celsius'],
            additionalProperties: false,
          },
        },
      },
    })
    expect(JSON.parse(response.output_text)).toEqual({ city: 'Paris', celsius: 18 })
    expect(suite.gw.mock.requests[0]?.body.output_config?.format?.type).toBe('json_schema')
    expect(response.text?.format).toMatchObject({ type: 'json_schema', name: 'weather' })
  })

  test('an image as a data: URL and an https URL', async () => {
    await suite.client.responses.create({
      model,
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'What is in these?' },
            { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'auto' },
            { type: 'input_image', image_url: 'https://example.com/cat.png', detail: 'auto' },
          ],
        },
      ],
    })
    expect(suite.gw.mock.requests[0]?.body.messages[0]?.content).toEqual([
      { type: 'text', text: 'What is in these?' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.png' } },
    ])
  })

  test('reasoning with encrypted_content sent back (store:false): the signed thinking block goes upstream again', async () => {
    suite.gw.mock.reply({ kind: 'message', message: toolCall('toolu_enc') }, { kind: 'message', message: text('Done.') })
    const first = await suite.client.responses.create({
      model,
      store: false,
      include: ['reasoning.encrypted_content'],
      reasoning: { effort: 'low', summary: 'auto' },
      tools: [weather],
      input: 'Weather in Paris?',
    })
    const reasoning = first.output.find((item) => item.type === 'reasoning') as OpenAI.Responses.ResponseReasoningItem
    expect(reasoning.summary).toEqual([{ type: 'summary_text', text: thinking.thinking }])
    expect(reasoning.encrypted_content).toBeString()
    const call = first.output.find((item) => item.type === 'function_call') as OpenAI.Responses.ResponseFunctionToolCall
    await suite.client.responses.create({
      model,
      store: false,
      reasoning: { effort: 'low' },
      tools: [weather],
      input: [
        { role: 'user', content: 'Weather in Paris?' },
        ...first.output,
        { type: 'function_call_output', call_id: call.call_id, output: '18' },
      ] as OpenAI.Responses.ResponseInput,
    })
    expect(suite.gw.mock.requests[1]?.body.messages[1]?.content[0]).toEqual(thinking)
    expect(suite.gw.mock.requests[1]?.body.thinking).toBeDefined()
  })

  test('responses.stream() + finalResponse(): text deltas, a tool call, and the stored response at once', async () => {
    suite.gw.mock.reply({ kind: 'message', message: toolCall('toolu_stream'), chunkSize: 3 }, { kind: 'message', message: text('Sunny.') })
    const stream = suite.client.responses.stream({ model, input: 'Weather in Paris?', tools: [weather], reasoning: { effort: 'low', summary: 'auto' } })
    const types: string[] = []
    stream.on('event', (event) => types.push(event.type))
    const final = await stream.finalResponse()
    expect(types[0]).toBe('response.created')
    expect(types.at(-1)).toBe('response.completed')
    expect(types).toContain('response.function_call_arguments.delta')
    expect(types).toContain('response.reasoning_summary_text.delta')
    const call = final.output.find((item) => item.type === 'function_call') as OpenAI.Responses.ResponseFunctionToolCall
    expect(call).toMatchObject({ call_id: 'toolu_stream', name: 'get_weather', arguments: '{"city":"Paris"}' })
    expect(final.usage?.output_tokens).toBe(20)

    // Stored before response.completed left: continuing at once finds it.
    const next = suite.client.responses.stream({
      model,
      previous_response_id: final.id,
      tools: [weather],
      reasoning: { effort: 'low' },
      input: [{ type: 'function_call_output', call_id: call.call_id, output: 'sunny' }],
    })
    let streamed = ''
    next.on('response.output_text.delta', (event) => {
      streamed += event.delta
    })
    expect((await next.finalResponse()).output_text).toBe('Sunny.')
    expect(streamed).toBe('Sunny.')
    expect(suite.gw.mock.requests[1]?.body.messages[1]?.content[0]).toEqual(thinking)
    expect((await suite.client.responses.retrieve(final.id)).status).toBe('completed')
  })

  test('namespace and custom tools (as Codex declares them): calls come back under the client names and round-trip', async () => {
    const tools = [
      {
        type: 'namespace',
        name: 'files',
        description: 'File tools',
        tools: [{ type: 'function', name: 'read_file', parameters: { type: 'object', properties: { path: { type: 'string' } } } }],
      },
      { type: 'custom', name: 'apply_patch', description: 'Edit files', format: { type: 'grammar', syntax: 'lark', definition: 'start: /.+/' } },
    ] as unknown as OpenAI.Responses.Tool[]
    suite.gw.mock.reply(
      {
        kind: 'message',
        message: anthropicMessage({
          id: 'msg_ns',
          content: [
            { type: 'tool_use', id: 'toolu_read', name: 'files__read_file', input: { path: 'a.txt' } },
            { type: 'tool_use', id: 'toolu_patch', name: 'apply_patch', input: { input: '*** Begin Patch\n*** End Patch' } },
          ],
          stop_reason: 'tool_use',
        }),
        chunkSize: 4,
      },
      { kind: 'message', message: text('Patched.') },
    )
    const first = await suite.client.responses.stream({ model, store: false, tools, input: 'Fix a.txt' }).finalResponse()
    const [read, patch] = first.output as unknown as Record<string, unknown>[]
    expect(read).toMatchObject({ type: 'function_call', name: 'read_file', namespace: 'files', call_id: 'toolu_read', arguments: '{"path":"a.txt"}' })
    expect(patch).toMatchObject({ type: 'custom_tool_call', name: 'apply_patch', call_id: 'toolu_patch', input: '*** Begin Patch\n*** End Patch' })
    const second = await suite.client.responses.create({
      model,
      store: false,
      tools,
      input: [
        { role: 'user', content: 'Fix a.txt' },
        ...first.output,
        { type: 'function_call_output', call_id: 'toolu_read', output: 'hello' },
        { type: 'custom_tool_call_output', call_id: 'toolu_patch', output: 'Done!' },
      ] as OpenAI.Responses.ResponseInput,
    })
    expect(second.output_text).toBe('Patched.')
    expect(suite.gw.mock.requests[1]?.body.messages[1]?.content).toEqual([
      { type: 'tool_use', id: 'toolu_read', name: 'files__read_file', input: { path: 'a.txt' } },
      { type: 'tool_use', id: 'toolu_patch', name: 'apply_patch', input: { input: '*** Begin Patch\n*** End Patch' } },
    ])
  })

  test('retrieve, inputItems.list and delete', async () => {
    const created = await suite.client.responses.create({
      model,
      input: [
        { role: 'user', content: 'first' },
        { role: 'user', content: 'second' },
      ],
    })
    const retrieved = await suite.client.responses.retrieve(created.id)
    expect(retrieved.id).toBe(created.id)
    expect(retrieved.output_text).toBe(created.output_text)
    const items: unknown[] = []
    for await (const item of suite.client.responses.inputItems.list(created.id, { limit: 1, order: 'asc' })) items.push(item)
    expect(items.map((item) => (item as { content: unknown }).content)).toEqual(['first', 'second'])
    await suite.client.responses.delete(created.id)
    const error = await suite.client.responses.retrieve(created.id).catch((e: unknown) => e)
    expect(error).toMatchObject({ status: 404 })
  })
})
