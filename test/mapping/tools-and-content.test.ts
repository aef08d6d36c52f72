import { describe, expect, test } from 'bun:test'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { Value } from '@sinclair/typebox/value'
import { loadConfig } from '../../src/config/load-config.ts'
import { OpenAIError } from '../../src/errors/openai-error.ts'
import { toAnthropicRequest } from '../../src/mapping/to-anthropic-request.ts'
import { UNANSWERED_TOOL_RESULT } from '../../src/mapping/to-anthropic-turns.ts'
import { toAnthropicToolId } from '../../src/mapping/tool-ids.ts'
import { findRequestError } from '../../src/mock-upstream/mock-validation.ts'
import { ChatCompletionRequest } from '../../src/openai/request-schema.ts'
import { fixtureJson } from '../support/fixtures.ts'
import { baseEnv } from '../support/test-gateway.ts'

const options = loadConfig(baseEnv('http://127.0.0.1:1/v1/messages'))
const map = (request: Record<string, unknown>) => {
  const plan = toAnthropicRequest({ model: 'claude-sonnet-4-5', ...request } as ChatCompletionRequest, options)
  expect(findRequestError(plan.body)).toBeUndefined()
  return plan
}
const rejectedParam = (request: Record<string, unknown>) => {
  try {
    toAnthropicRequest({ model: 'claude-sonnet-4-5', ...request } as ChatCompletionRequest, options)
  } catch (error) {
    expect(error).toBeInstanceOf(OpenAIError)
    return (error as OpenAIError).param
  }
  throw new Error('expected a 400')
}
const call = (id: string, name = 'get_weather', args = '{"city":"Paris"}') => ({ id, type: 'function', function: { name, arguments: args } })
const weatherTool = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }

describe('requests real clients sent', () => {
  const dir = join(import.meta.dir, '..', 'fixtures', 'openai')
  const requests = readdirSync(dir).filter((f) => f.endsWith('.json') && !f.endsWith('.headers.json'))
  test.each(requests)('%s validates and maps to a request the API accepts', (file) => {
    const request = fixtureJson<Record<string, unknown>>(`openai/${file}`)
    expect([...Value.Errors(ChatCompletionRequest, request)].map((e) => e.path)).toEqual([])
    map({ ...request, model: 'claude-sonnet-4-5' })
  })
})

describe('tool history', () => {
  test('assistant tool_calls → tool_use after the text; tool messages → one user turn of results, first', () => {
    const { body } = map({
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        { role: 'assistant', content: 'Let me check.', tool_calls: [call('call_1'), call('call_2', 'get_weather', '{"city":"Rome"}')] },
        { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
        { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: 'rainy' }] },
        { role: 'user', content: 'Thanks! Which is warmer?' },
      ],
    })
    expect(body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Rome?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Let me check.' },
          { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'call_2', name: 'get_weather', input: { city: 'Rome' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_1', content: 'sunny' },
          { type: 'tool_result', tool_use_id: 'call_2', content: [{ type: 'text', text: 'rainy' }] },
          { type: 'text', text: 'Thanks! Which is warmer?' },
        ],
      },
    ])
  })

  test('user text sent between the results still lands after all tool_result blocks', () => {
    const { body } = map({
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: null, tool_calls: [call('a'), call('b')] },
        { role: 'tool', tool_call_id: 'a', content: '1' },
        { role: 'user', content: 'note' },
        { role: 'tool', tool_call_id: 'b', content: '2' },
      ],
    })
    expect(body.messages[2]?.content).toEqual([
      { type: 'tool_result', tool_use_id: 'a', content: '1' },
      { type: 'tool_result', tool_use_id: 'b', content: '2' },
      { type: 'text', text: 'note' },
    ])
  })

  test('an unanswered tool call gets an error result at the head of the next user turn (reported)', () => {
    const plan = map({
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: null, tool_calls: [call('a'), call('b')] },
        { role: 'tool', tool_call_id: 'a', content: '1' },
      ],
    })
    expect(plan.body.messages[2]?.content).toEqual([
      { type: 'tool_result', tool_use_id: 'b', is_error: true, content: UNANSWERED_TOOL_RESULT },
      { type: 'tool_result', tool_use_id: 'a', content: '1' },
    ])
    expect(plan.adjustments.toArray()).toContain('tool_result:added')
    const trailing = map({
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'go' },
        { role: 'assistant', tool_calls: [call('z')] },
      ],
    })
    expect(trailing.body.messages.at(-1)).toEqual({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 'z', is_error: true, content: UNANSWERED_TOOL_RESULT }],
    })
  })

  test('ids the API rejects are rewritten the same way on both sides', () => {
    const id = 'call:abc/1.2'
    const { body } = map({
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'go' },
        { role: 'assistant', tool_calls: [call(id)] },
        { role: 'tool', tool_call_id: id, content: 'ok' },
      ],
    })
    const rewritten = toAnthropicToolId(id)
    expect(rewritten).toMatch(/^call_abc_1_2_[0-9a-f]{8}$/)
    expect(body.messages[1]?.content).toContainEqual(expect.objectContaining({ type: 'tool_use', id: rewritten }))
    expect(body.messages[2]?.content).toEqual([{ type: 'tool_result', tool_use_id: rewritten, content: 'ok' }])
    expect(toAnthropicToolId('call_ok-1')).toBe('call_ok-1')
    expect(toAnthropicToolId('a.b')).not.toBe(toAnthropicToolId('a/b'))
  })

  test.each([
    ['invalid JSON arguments', { role: 'assistant', tool_calls: [call('a', 'f', '{oops')] }, 'messages[1].tool_calls[0].function.arguments'],
    ['non-object arguments', { role: 'assistant', tool_calls: [call('a', 'f', '[1]')] }, 'messages[1].tool_calls[0].function.arguments'],
    [
      'arguments nested past the depth limit',
      { role: 'assistant', tool_calls: [call('a', 'f', `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`)] },
      'messages[1].tool_calls[0].function.arguments',
    ],
    [
      'legacy function_call arguments nested past it',
      { role: 'assistant', function_call: { name: 'f', arguments: `{"a":${'['.repeat(65)}${']'.repeat(65)}}` } },
      'messages[1].function_call.arguments',
    ],
    ['a tool message answering no call', { role: 'tool', tool_call_id: 'nope', content: 'x' }, 'messages[1].tool_call_id'],
    ['a tool message without tool_call_id', { role: 'tool', content: 'x' }, 'messages[1].tool_call_id'],
  ])('%s is a 400 naming it', (_name, message, param) => {
    expect(rejectedParam({ tools: [weatherTool], messages: [{ role: 'user', content: 'go' }, message] })).toBe(param)
  })

  test('empty arguments become {}', () => {
    const { body } = map({
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'go' },
        { role: 'assistant', tool_calls: [call('a', 'get_weather', '')] },
      ],
    })
    expect(body.messages[1]?.content).toEqual([{ type: 'tool_use', id: 'a', name: 'get_weather', input: {} }])
  })

  test('legacy functions, function_call and function messages', () => {
    const plan = map({
      functions: [{ name: 'lookup', parameters: { type: 'object' } }],
      function_call: { name: 'lookup' },
      messages: [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: null, function_call: { name: 'lookup', arguments: '{"q":1}' } },
        { role: 'function', name: 'lookup', content: 'found' },
      ],
    })
    expect(plan.body.tools).toEqual([{ name: 'lookup', input_schema: { type: 'object' } }])
    // The legacy answer holds one function_call, so the model is held to one call.
    expect(plan.body.tool_choice).toEqual({ type: 'tool', name: 'lookup', disable_parallel_tool_use: true })
    expect(plan.legacyFunctions).toBe(true)
    expect(plan.body.messages[1]?.content).toEqual([{ type: 'tool_use', id: 'call_legacy_1', name: 'lookup', input: { q: 1 } }])
    expect(plan.body.messages[2]?.content).toEqual([{ type: 'tool_result', tool_use_id: 'call_legacy_1', content: 'found' }])
  })

  test('functions beside tools, or with tool_choice none: the tool_calls shape, parallel calls as asked', () => {
    const lookup = { name: 'lookup', parameters: { type: 'object' } }
    const both = map({ tools: [weatherTool], functions: [lookup], messages: [{ role: 'user', content: 'go' }] })
    expect(both.legacyFunctions).toBe(false)
    expect(both.body.tool_choice).toEqual({ type: 'auto' })
    const none = map({ functions: [lookup], function_call: 'none', messages: [{ role: 'user', content: 'go' }] })
    expect(none.legacyFunctions).toBe(true)
    expect(none.body.tool_choice).toEqual({ type: 'none' })
  })

  test('tool history with no tools in the request passes as it is (the API accepts it since 2025-02)', () => {
    const { body } = map({
      messages: [
        { role: 'user', content: 'go' },
        { role: 'assistant', tool_calls: [call('a')] },
        { role: 'tool', tool_call_id: 'a', content: 'x' },
      ],
    })
    expect(body.tools).toBeUndefined()
  })
})

describe('tools and tool_choice', () => {
  test('the JSON schema is kept whole; missing parameters become an empty object schema', () => {
    const parameters = { type: 'object', properties: { q: { type: 'string', pattern: '^a', 'x-custom': 1 } }, required: ['q'], $defs: { d: {} } }
    const { body } = map({
      messages: [{ role: 'user', content: 'go' }],
      tools: [
        { type: 'function', function: { name: 'search', description: 'Search', parameters } },
        { type: 'function', function: { name: 'ping' } },
      ],
    })
    expect(body.tools).toEqual([
      { name: 'search', description: 'Search', input_schema: parameters },
      { name: 'ping', input_schema: { type: 'object', properties: {} } },
    ])
  })

  test.each([
    ['auto', { type: 'auto' }],
    ['none', { type: 'none' }],
    ['required', { type: 'any' }],
    [
      { type: 'function', function: { name: 'get_weather' } },
      { type: 'tool', name: 'get_weather' },
    ],
  ] as [unknown, never][])('tool_choice %o → %o', (choice, expected) => {
    expect(map({ messages: [{ role: 'user', content: 'go' }], tools: [weatherTool], tool_choice: choice }).body.tool_choice).toEqual(expected)
  })

  test('parallel_tool_calls false → disable_parallel_tool_use, never with none', () => {
    const base = { messages: [{ role: 'user', content: 'go' }], tools: [weatherTool], parallel_tool_calls: false }
    expect(map(base).body.tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true })
    expect(map({ ...base, tool_choice: 'required' }).body.tool_choice).toEqual({ type: 'any', disable_parallel_tool_use: true })
    expect(map({ ...base, tool_choice: 'none' }).body.tool_choice).toEqual({ type: 'none' })
  })

  test('strict is carried on models with native structured output, else reported', () => {
    const strictTool = { type: 'function', function: { ...weatherTool.function, strict: true } }
    expect(map({ messages: [{ role: 'user', content: 'go' }], tools: [strictTool] }).body.tools?.[0]?.strict).toBe(true)
    const old = map({ model: 'claude-3-7-sonnet-latest', messages: [{ role: 'user', content: 'go' }], tools: [strictTool] })
    expect(old.body.tools?.[0]?.strict).toBeUndefined()
    expect(old.adjustments.toArray()).toContain('tools.function.strict:ignored')
  })
})

describe('content parts', () => {
  const part = (p: Record<string, unknown>) => ({ messages: [{ role: 'user', content: [{ type: 'text', text: 'look' }, p] }] })
  test.each([
    [
      { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
    ],
    [
      { type: 'image_url', image_url: { url: 'data:image/JPEG;base64,/9j/4A==' } },
      { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4A==' } },
    ],
    [
      { type: 'image_url', image_url: { url: 'https://example.com/cat.webp' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.webp' } },
    ],
    [
      { type: 'image_url', image_url: { url: 'data:application/pdf;base64,JVBERi0=' } },
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' } },
    ],
    [
      { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'a.pdf' } },
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' }, title: 'a.pdf' },
    ],
    [
      { type: 'file', file: { file_data: `data:text/plain;base64,${btoa('hello')}` } },
      { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'hello' } },
    ],
    [
      { type: 'file', file: { file_data: 'https://example.com/a.pdf' } },
      { type: 'document', source: { type: 'url', url: 'https://example.com/a.pdf' } },
    ],
  ])('%o → %o, order kept', (input, expected) => {
    expect(map(part(input)).body.messages[0]?.content).toEqual([{ type: 'text', text: 'look' }, expected] as never)
  })

  test.each([
    [{ type: 'image_url', image_url: { url: 'data:image/bmp;base64,Qk0=' } }, 'messages[0].content[1].image_url'],
    [{ type: 'image_url', image_url: { url: 'file:///etc/passwd' } }, 'messages[0].content[1].image_url'],
    [{ type: 'image_url', image_url: { url: 'ftp://example.com/a.png' } }, 'messages[0].content[1].image_url'],
    [{ type: 'file', file: { file_id: 'file-abc' } }, 'messages[0].content[1].file.file_id'],
    [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }, 'messages[0].content[1]'],
  ])('%o is a 400 naming %s', (input, param) => {
    expect(rejectedParam(part(input))).toBe(param)
  })

  test('image detail other than auto is reported', () => {
    const plan = map(part({ type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'high' } }))
    expect(plan.adjustments.toArray()).toContain('image_url.detail:ignored')
  })
})

describe('prompt caching and fields no mapping reads', () => {
  test('cache_control on text, image and system parts is carried to the blocks', () => {
    const cache = { type: 'ephemeral', ttl: '1h' }
    const { body } = map({
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'Long instructions', cache_control: cache }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'A long document', cache_control: { type: 'ephemeral' } },
            { type: 'image_url', image_url: { url: 'https://example.com/a.png' }, cache_control: cache },
            { type: 'text', text: 'Question' },
          ],
        },
      ],
    })
    expect(body.system).toEqual([{ type: 'text', text: 'Long instructions', cache_control: cache }] as never)
    expect(body.messages[0]?.content).toEqual([
      { type: 'text', text: 'A long document', cache_control: { type: 'ephemeral' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' }, cache_control: cache },
      { type: 'text', text: 'Question' },
    ] as never)
  })

  test('a message field nothing reads is reported when it holds something, not when it is empty', () => {
    const history = [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello', annotations: [], audio: null },
      { role: 'user', content: 'again', audio: { id: 'audio_1' } },
    ]
    expect(map({ messages: history }).adjustments.toArray()).toEqual(['messages.audio:ignored'])
  })
})
