import { describe, expect, test } from 'bun:test'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import type { Message, ResponseBlock } from '../../src/anthropic/response-schema.ts'
import { fromEncryptedReasoning } from '../../src/mapping/reasoning-payload.ts'
import { JSON_TOOL_NAME } from '../../src/mapping/to-anthropic-response-format.ts'
import { refusalOf } from '../../src/mapping/to-openai-finish-reason.ts'
import { type ClientTool, toAddedItem, toResponseObject, toResponsesOutput } from '../../src/mapping/to-responses-output.ts'
import { toResponsesStatus } from '../../src/mapping/to-responses-status.ts'
import { toResponsesUsage } from '../../src/mapping/to-responses-usage.ts'
import { OutputItem, ResponseObject } from '../../src/openai/responses-schema.ts'
import { anthropicMessage } from '../support/anthropic-message.ts'
import { fixtureJson } from '../support/fixtures.ts'
import { responsesContext, SKELETON } from '../support/responses.ts'

const contextWith = responsesContext

const isOutputItem = TypeCompiler.Compile(OutputItem)
const isResponseObject = TypeCompiler.Compile(ResponseObject)

describe('stop_reason → status', () => {
  test.each([
    ['end_turn', 'completed', null],
    ['stop_sequence', 'completed', null],
    ['tool_use', 'completed', null],
    ['pause_turn', 'completed', null],
    ['max_tokens', 'incomplete', 'max_output_tokens'],
    ['model_context_window_exceeded', 'incomplete', 'max_output_tokens'],
    ['compaction', 'incomplete', 'max_output_tokens'],
    ['refusal', 'incomplete', 'content_filter'],
  ] as const)('%s → %s %s', (stopReason, status, reason) => {
    expect(toResponsesStatus(stopReason)).toEqual({
      status,
      incomplete_details: reason ? { reason } : null,
      unknownStopReason: undefined,
    })
  })

  test.each([[null], ['something_new'], ['constructor']] as const)('%s → completed, flagged as unknown', (stopReason) => {
    expect(toResponsesStatus(stopReason)).toEqual({ status: 'completed', incomplete_details: null, unknownStopReason: String(stopReason) })
  })
})

describe('usage', () => {
  test('cache reads and writes count as input; thinking tokens as reasoning; total adds up', () => {
    expect(
      toResponsesUsage({
        input_tokens: 10,
        output_tokens: 5,
        cache_read_input_tokens: 100,
        cache_creation_input_tokens: 20,
        output_tokens_details: { thinking_tokens: 3 },
      }),
    ).toEqual({
      input_tokens: 130,
      input_tokens_details: { cached_tokens: 100, cache_write_tokens: 20 },
      output_tokens: 5,
      output_tokens_details: { reasoning_tokens: 3 },
      total_tokens: 135,
    })
  })

  test('reasoning_tokens is 0 when the upstream does not count thinking apart', () => {
    expect(toResponsesUsage({ input_tokens: 1, output_tokens: 2 }).output_tokens_details).toEqual({ reasoning_tokens: 0 })
  })
})

describe('recorded Messages → output items', () => {
  test('text: one completed assistant message with one output_text', () => {
    const message = fixtureJson<Message>('anthropic/text.json')
    const result = toResponsesOutput(message, contextWith())
    const text = message.content.map((b) => (b.type === 'text' ? b.text : '')).join('')
    expect(result.output).toEqual([
      { type: 'message', id: 'msg_1', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] },
    ])
    expect(result.status).toBe('completed')
    expect(result.usage).toEqual(toResponsesUsage(message.usage))
  })

  test('parallel tools: text, then one function_call per tool_use in block order, call_id = tool_use id', () => {
    const message = fixtureJson<Message>('anthropic/parallel-tools.json')
    const { output, status } = toResponsesOutput(message, contextWith())
    const calls = message.content.filter((b) => b.type === 'tool_use')
    expect(output.map((item) => item.type)).toEqual(['message', 'function_call', 'function_call'])
    expect(output.slice(1)).toEqual(
      calls.map((call, k) => ({
        type: 'function_call',
        id: `fc_${k + 1}`,
        call_id: call.id,
        name: call.name,
        arguments: JSON.stringify(call.input),
        status: 'completed',
      })),
    )
    expect(status).toBe('completed')
  })

  test('thinking + tool: a reasoning item first; summary only when asked; encrypted_content only when included', () => {
    const message = fixtureJson<Message>('anthropic/thinking-tool.json')
    const thinking = message.content[0] as Extract<ResponseBlock, { type: 'thinking' }>
    expect(toResponsesOutput(message, contextWith()).output[0]).toEqual({ type: 'reasoning', id: 'rs_1', summary: [] })
    const full = toResponsesOutput(message, contextWith({ summary: true, includeEncryptedReasoning: true })).output[0]
    expect(full).toMatchObject({ type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: thinking.thinking }] })
    expect(fromEncryptedReasoning((full as { encrypted_content: string }).encrypted_content)).toEqual({
      type: 'thinking',
      thinking: thinking.thinking,
      signature: thinking.signature,
    })
    expect(toResponsesOutput(message, contextWith()).usage.output_tokens_details.reasoning_tokens).toBe(18)
  })

  test('every item of every recorded Message has the schema shape and its own id', () => {
    for (const name of ['text', 'tool-use', 'parallel-tools', 'thinking-tool']) {
      const message = fixtureJson<Message>(`anthropic/${name}.json`)
      const { output } = toResponsesOutput(message, contextWith({ summary: true, includeEncryptedReasoning: true }))
      for (const item of output) expect(isOutputItem.Check(item)).toBe(true)
      expect(new Set(output.map((item) => item.id)).size).toBe(output.length)
    }
  })
})

describe('blocks → items', () => {
  const only = (content: ResponseBlock[], context = contextWith(), stop_reason = 'end_turn') =>
    toResponsesOutput(anthropicMessage({ id: 'msg_up', content, stop_reason }), context)

  const tools = new Map<string, ClientTool>([
    ['apply_patch', { type: 'custom', name: 'apply_patch' }],
    ['mcp__fs__read', { type: 'function', name: 'read', namespace: 'mcp__fs' }],
  ])

  test('a custom tool comes back as custom_tool_call with the input string', () => {
    const { output } = only([{ type: 'tool_use', id: 'toolu_1', name: 'apply_patch', input: { input: '*** Begin Patch' } }], contextWith({ toolNames: tools }))
    expect(output).toEqual([{ type: 'custom_tool_call', id: 'ctc_1', call_id: 'toolu_1', name: 'apply_patch', input: '*** Begin Patch', status: 'completed' }])
  })

  test('a custom tool called without its input string passes its whole input on as JSON', () => {
    const { output } = only([{ type: 'tool_use', id: 'toolu_1', name: 'apply_patch', input: { patch: 'x' } }], contextWith({ toolNames: tools }))
    expect(output[0]).toMatchObject({ type: 'custom_tool_call', input: '{"patch":"x"}' })
  })

  test('a flattened namespace tool comes back under the client name and namespace', () => {
    const { output } = only([{ type: 'tool_use', id: 'toolu_2', name: 'mcp__fs__read', input: { path: 'a' } }], contextWith({ toolNames: tools }))
    expect(output[0]).toEqual({
      type: 'function_call',
      id: 'fc_1',
      call_id: 'toolu_2',
      name: 'read',
      namespace: 'mcp__fs',
      arguments: '{"path":"a"}',
      status: 'completed',
    })
  })

  test('an unknown tool name passes through as a function call of that name', () => {
    const { output } = only([{ type: 'tool_use', id: 'toolu_3', name: 'other', input: {} }], contextWith({ toolNames: tools }))
    expect(output[0]).toMatchObject({ type: 'function_call', name: 'other', arguments: '{}' })
  })

  test('the structured-output tool is the answer text, never a call', () => {
    const { output } = only(
      [{ type: 'tool_use', id: 'toolu_4', name: JSON_TOOL_NAME, input: { answer: 42 } }],
      contextWith({ jsonTool: JSON_TOOL_NAME }),
      'tool_use',
    )
    expect(output).toEqual([
      { type: 'message', id: 'msg_1', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: '{"answer":42}', annotations: [] }] },
    ])
  })

  test('redacted thinking: a reasoning item without summary; its data round-trips', () => {
    const { output } = only([{ type: 'redacted_thinking', data: 'EqkEC' }], contextWith({ summary: true, includeEncryptedReasoning: true }))
    expect(output[0]).toMatchObject({ type: 'reasoning', summary: [] })
    expect(fromEncryptedReasoning((output[0] as { encrypted_content: string }).encrypted_content)).toEqual({ type: 'redacted_thinking', data: 'EqkEC' })
  })

  test('web search: the server tool call is a web_search_call with its query; its result block is no item', () => {
    const { output } = only([
      { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'bun release' } } as ResponseBlock,
      { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_1', content: [] } as ResponseBlock,
      { type: 'text', text: 'Found it.' },
    ])
    expect(output.map((item) => item.type)).toEqual(['web_search_call', 'message'])
    expect(output[0]).toEqual({ type: 'web_search_call', id: 'ws_1', status: 'completed', action: { type: 'search', query: 'bun release' } })
  })

  test('other server tools are no item', () => {
    expect(only([{ type: 'server_tool_use', id: 'srvtoolu_2', name: 'code_execution', input: {} } as ResponseBlock]).output).toEqual([])
  })

  test('max_tokens: incomplete for max_output_tokens; refusal: incomplete for content_filter', () => {
    expect(only([{ type: 'text', text: 'cut' }], contextWith(), 'max_tokens')).toMatchObject({
      status: 'incomplete',
      incomplete_details: { reason: 'max_output_tokens' },
    })
    expect(only([], contextWith(), 'refusal')).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'content_filter' } })
  })

  test('a refusal ends the output with a message whose refusal part holds the explanation, or a fixed sentence', () => {
    const refusal = (explanation?: string) =>
      toResponsesOutput(
        anthropicMessage({ id: 'm', content: [{ type: 'text', text: 'So' }], stop_reason: 'refusal', stop_details: explanation ? { explanation } : null }),
        contextWith(),
      ).output
    expect(refusal('Not allowed.')).toEqual([
      { type: 'message', id: 'msg_1', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'So', annotations: [] }] },
      { type: 'message', id: 'msg_2', status: 'completed', role: 'assistant', content: [{ type: 'refusal', refusal: 'Not allowed.' }] },
    ])
    expect(refusal()[1]).toMatchObject({ content: [{ type: 'refusal', refusal: refusalOf(undefined) }] })
  })
})

describe('items as announced', () => {
  const context = contextWith({ toolNames: new Map([['apply_patch', { type: 'custom', name: 'apply_patch' }]]) })

  test.each([
    [{ type: 'text', text: '' }, 'message', { type: 'message', id: 'x', status: 'in_progress', role: 'assistant', content: [] }],
    [
      { type: 'tool_use', id: 'toolu_1', name: 'f', input: {} },
      'function_call',
      { type: 'function_call', id: 'x', call_id: 'toolu_1', name: 'f', arguments: '', status: 'in_progress' },
    ],
    [
      { type: 'tool_use', id: 'toolu_2', name: 'apply_patch', input: {} },
      'custom_tool_call',
      { type: 'custom_tool_call', id: 'x', call_id: 'toolu_2', name: 'apply_patch', input: '', status: 'in_progress' },
    ],
    [{ type: 'thinking', thinking: '', signature: '' }, 'reasoning', { type: 'reasoning', id: 'x', summary: [] }],
  ] as const)('%o → in progress, empty', (block, type, expected) => {
    expect(toAddedItem(block as ResponseBlock, type, 'x', context)).toEqual(expected as never)
  })
})

describe('response object', () => {
  const skeleton = SKELETON

  test('the skeleton plus the outcome, object "response", in the schema shape', () => {
    const message = fixtureJson<Message>('anthropic/tool-use.json')
    const { output, status, incomplete_details, usage } = toResponsesOutput(message, contextWith())
    const response = toResponseObject(skeleton, { status, incomplete_details, error: null, output, usage })
    expect(response).toMatchObject({ id: 'resp_test', object: 'response', model: 'gpt-5', status: 'completed', error: null, output, usage })
    expect(isResponseObject.Check(response)).toBe(true)
  })
})

describe('blocks of the wrong shape are the upstream fault (a 502), never an item missing its text', () => {
  test.each([
    ['a text block without text', { type: 'text' }],
    ['a text block whose text is a number', { type: 'text', text: 5 }],
    ['a tool_use without id', { type: 'tool_use', name: 'f', input: {} }],
    ['a tool_use without name', { type: 'tool_use', id: 'toolu_1', input: {} }],
    ['a thinking block without thinking', { type: 'thinking', signature: 'sig' }],
    ['a redacted_thinking block without data', { type: 'redacted_thinking' }],
  ])('%s', (_name, block) => {
    const message = anthropicMessage({ id: 'msg_bad', stop_reason: 'end_turn', content: [block as unknown as ResponseBlock] })
    expect(() => toResponsesOutput(message, contextWith())).toThrow(expect.objectContaining({ status: 502, code: 'upstream_bad_response' }))
  })
})
