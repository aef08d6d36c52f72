import { describe, expect, test } from 'bun:test'
import type { Message } from '../../src/anthropic/response-schema.ts'
import { toOpenAIFinishReason } from '../../src/mapping/to-openai-finish-reason.ts'
import { toOpenAIResponse } from '../../src/mapping/to-openai-response.ts'
import { sumUsage, toOpenAIUsage } from '../../src/mapping/to-openai-usage.ts'
import { fixtureJson } from '../support/fixtures.ts'

const context = { requestedModel: 'gpt-4o', created: 1700000000, jsonTool: false, legacyFunctions: false }

describe('finish_reason', () => {
  test.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['pause_turn', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['compaction', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    [null, 'stop'],
    ['something_new', 'stop'],
  ] as const)('%s → %s', (stopReason, expected) => {
    expect(toOpenAIFinishReason({ stopReason, clientToolCalled: true, legacyFunctions: false })).toBe(expected)
  })

  test('tool_use with no call of a client tool (the JSON-mode tool alone) → stop', () => {
    expect(toOpenAIFinishReason({ stopReason: 'tool_use', clientToolCalled: false, legacyFunctions: false })).toBe('stop')
  })

  test('a call for a request with legacy functions → function_call; other reasons unchanged', () => {
    expect(toOpenAIFinishReason({ stopReason: 'tool_use', clientToolCalled: true, legacyFunctions: true })).toBe('function_call')
    expect(toOpenAIFinishReason({ stopReason: 'end_turn', clientToolCalled: false, legacyFunctions: true })).toBe('stop')
    expect(toOpenAIFinishReason({ stopReason: 'max_tokens', clientToolCalled: true, legacyFunctions: true })).toBe('length')
  })
})

describe('usage', () => {
  test('cache reads and writes join prompt_tokens; total always adds up', () => {
    expect(toOpenAIUsage({ input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 100, cache_creation_input_tokens: 20 })).toEqual({
      prompt_tokens: 130,
      completion_tokens: 5,
      total_tokens: 135,
      prompt_tokens_details: { cached_tokens: 100, cache_write_tokens: 20 },
    })
  })

  test('thinking tokens become reasoning_tokens; sums add every counter', () => {
    const a = toOpenAIUsage({ input_tokens: 1, output_tokens: 2, output_tokens_details: { thinking_tokens: 1 } })
    expect(a.completion_tokens_details).toEqual({ reasoning_tokens: 1 })
    expect(sumUsage([a, a]).total_tokens).toBe(6)
  })
})

describe('Message → chat.completion', () => {
  test('text: id, object, model as requested, content, stop, usage', () => {
    const message = fixtureJson<Message>('anthropic/text.json')
    const completion = toOpenAIResponse([message], context)
    expect(completion).toMatchObject({
      id: `chatcmpl-${message.id}`,
      object: 'chat.completion',
      created: 1700000000,
      model: 'gpt-4o',
      system_fingerprint: null,
      choices: [{ index: 0, logprobs: null, finish_reason: 'stop', message: { role: 'assistant', refusal: null } }],
    })
    const texts = message.content.flatMap((b) => (b.type === 'text' ? [b.text] : []))
    expect(completion.choices[0]?.message.content).toBe(texts.join(''))
    expect(completion.choices[0]?.message.tool_calls).toBeUndefined()
  })

  test('tool_use blocks → tool_calls with JSON arguments and no index', () => {
    const message = fixtureJson<Message>('anthropic/parallel-tools.json')
    const completion = toOpenAIResponse([message], context)
    const calls = completion.choices[0]?.message.tool_calls ?? []
    const uses = message.content.filter((b) => b.type === 'tool_use')
    expect(calls).toEqual(
      uses.map((b) => ({
        id: (b as { id: string }).id,
        type: 'function',
        function: { name: (b as { name: string }).name, arguments: JSON.stringify((b as { input: unknown }).input) },
      })),
    )
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls')
  })

  test('thinking → reasoning_content and signed thinking_blocks, never in content', () => {
    const message = fixtureJson<Message>('anthropic/thinking-tool.json')
    const choice = toOpenAIResponse([message], context).choices[0]
    const thinking = message.content.find((b) => b.type === 'thinking') as { thinking: string; signature: string }
    expect(choice?.message.reasoning_content).toBe(thinking.thinking)
    expect(choice?.message.thinking_blocks).toEqual([{ type: 'thinking', thinking: thinking.thinking, signature: thinking.signature }])
    expect(choice?.message.content ?? '').not.toContain(thinking.thinking)
  })

  test('refusal → content_filter with message.refusal', () => {
    const message: Message = {
      id: 'msg_r',
      type: 'message',
      role: 'assistant',
      model: 'm',
      content: [],
      stop_reason: 'refusal',
      stop_details: { explanation: 'Not allowed.' },
      usage: { input_tokens: 1, output_tokens: 0 },
    }
    const choice = toOpenAIResponse([message], context).choices[0]
    expect(choice).toMatchObject({ finish_reason: 'content_filter', message: { content: null, refusal: 'Not allowed.' } })
  })

  test('JSON-mode tool input becomes the content, finish stop, no tool_calls', () => {
    const message: Message = {
      id: 'msg_j',
      type: 'message',
      role: 'assistant',
      model: 'm',
      content: [{ type: 'tool_use', id: 'toolu_1', name: 'gateway_json_response', input: { a: [1, 2] } }],
      stop_reason: 'tool_use',
      usage: { input_tokens: 1, output_tokens: 3 },
    }
    const choice = toOpenAIResponse([message], { ...context, jsonTool: true }).choices[0]
    expect(choice).toMatchObject({ finish_reason: 'stop', message: { content: '{"a":[1,2]}' } })
    expect(choice?.message.tool_calls).toBeUndefined()
  })

  test('JSON mode beside client tools: a call of a client tool is tool_calls, not stop', () => {
    const message: Message = {
      id: 'msg_jt',
      type: 'message',
      role: 'assistant',
      model: 'm',
      content: [{ type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: { city: 'Oslo' } }],
      stop_reason: 'tool_use',
      usage: { input_tokens: 1, output_tokens: 3 },
    }
    const choice = toOpenAIResponse([message], { ...context, jsonTool: true }).choices[0]
    expect(choice?.finish_reason).toBe('tool_calls')
    expect(choice?.message.tool_calls?.map((call) => call.function.name)).toEqual(['get_weather'])
  })

  test.each([
    ['a text block without text', { type: 'text' }],
    ['a text block whose text is null', { type: 'text', text: null }],
    ['a tool_use block without input', { type: 'tool_use', id: 'toolu_1', name: 'f' }],
    ['a tool_use block without id', { type: 'tool_use', name: 'f', input: {} }],
    ['a thinking block without signature', { type: 'thinking', thinking: 'hm' }],
    ['a redacted_thinking block without data', { type: 'redacted_thinking' }],
  ])("%s is the upstream's fault: a 502 upstream_bad_response, never an answer missing a key", (_name, block) => {
    const message = { ...fixtureJson<Message>('anthropic/text.json'), content: [block] } as Message
    expect(() => toOpenAIResponse([message], context)).toThrow(expect.objectContaining({ status: 502, code: 'upstream_bad_response' }))
  })

  test('legacy functions: the call is message.function_call with finish function_call, no tool_calls', () => {
    const message = fixtureJson<Message>('anthropic/tool-use.json')
    const use = message.content.find((b) => b.type === 'tool_use') as { name: string; input: unknown }
    const choice = toOpenAIResponse([message], { ...context, legacyFunctions: true }).choices[0]
    expect(choice?.finish_reason).toBe('function_call')
    expect(choice?.message.function_call).toEqual({ name: use.name, arguments: JSON.stringify(use.input) })
    expect(choice?.message.tool_calls).toBeUndefined()
  })

  test('legacy functions: more calls than the one the request allowed are a 502, not a call dropped', () => {
    const message = fixtureJson<Message>('anthropic/parallel-tools.json')
    expect(() => toOpenAIResponse([message], { ...context, legacyFunctions: true })).toThrow(
      expect.objectContaining({ status: 502, code: 'upstream_bad_response' }),
    )
  })

  test('n messages → n choices with summed usage', () => {
    const message = fixtureJson<Message>('anthropic/text.json')
    const completion = toOpenAIResponse([message, message], context)
    expect(completion.choices.map((c) => c.index)).toEqual([0, 1])
    expect(completion.usage.total_tokens).toBe(2 * toOpenAIUsage(message.usage).total_tokens)
  })
})
