import { describe, expect, test } from 'bun:test'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { Value } from '@sinclair/typebox/value'
import { loadConfig } from '../../src/config/load-config.ts'
import { OpenAIError } from '../../src/errors/openai-error.ts'
import { toEncryptedReasoning } from '../../src/mapping/reasoning-payload.ts'
import { type ConversationHistory, responsesToAnthropic } from '../../src/mapping/responses-to-anthropic.ts'
import { toAnthropicToolName } from '../../src/mapping/responses-tool-names.ts'
import { findRequestError } from '../../src/mock-upstream/mock-validation.ts'
import { type ResolvedInputItem, ResponsesRequest } from '../../src/openai/responses-request-schema.ts'
import { fixtureJson } from '../support/fixtures.ts'
import { baseEnv } from '../support/test-gateway.ts'

const options = (env: Record<string, string> = {}) => loadConfig({ ...baseEnv('http://127.0.0.1:1/v1/messages'), ...env })
const itemsOf = (request: ResponsesRequest) =>
  (typeof request.input === 'string' ? [{ role: 'user', content: request.input }] : (request.input ?? [])) as ResolvedInputItem[]

/** Validates like the route, maps, and checks the result is a request the API accepts. */
const map = (request: Record<string, unknown>, { history, env }: { history?: ConversationHistory; env?: Record<string, string> } = {}) => {
  const full = { model: 'claude-sonnet-4-5', ...request }
  expect([...Value.Errors(ResponsesRequest, full)].map((e) => `${e.path}: ${e.message}`)).toEqual([])
  const plan = responsesToAnthropic(full as ResponsesRequest, { items: itemsOf(full as ResponsesRequest), history }, options(env))
  expect(findRequestError(plan.body)).toBeUndefined()
  return plan
}
const rejected = (request: Record<string, unknown>) => {
  const full = { model: 'claude-sonnet-4-5', ...request } as ResponsesRequest
  try {
    responsesToAnthropic(full, { items: itemsOf(full), history: undefined }, options())
  } catch (error) {
    expect(error).toBeInstanceOf(OpenAIError)
    return error as OpenAIError
  }
  throw new Error('expected the request to be rejected')
}

const weather = {
  type: 'function',
  name: 'get_weather',
  description: 'Weather of a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  strict: true,
}
const thinking = { type: 'thinking' as const, thinking: 'Paris, so call the tool.', signature: 'sig-abc' }

describe('requests real clients sent (test/fixtures/openai-responses)', () => {
  const dir = join(import.meta.dir, '..', 'fixtures', 'openai-responses')
  const files = readdirSync(dir).filter((file) => file.endsWith('.json') && !file.endsWith('.headers.json'))
  const needsStore = (request: ResponsesRequest) =>
    request.previous_response_id != null || (Array.isArray(request.input) && request.input.some((item) => item.type === 'item_reference'))

  test.each(files)('%s validates, and maps to a request the API accepts where it needs no stored response', (file) => {
    const request = fixtureJson<ResponsesRequest>(`openai-responses/${file}`)
    expect([...Value.Errors(ResponsesRequest, request)].map((e) => `${e.path}: ${e.message}`)).toEqual([])
    if (needsStore(request)) return
    const plan = map(request as Record<string, unknown>)
    expect(plan.body.messages.at(-1)?.role).toBe('user')
  })

  test("Codex's tool turn as sent: its reasoning payload brings back the signed block before the call", () => {
    const plan = map(fixtureJson('openai-responses/codex-exec.responses-2-tool-output.json'))
    const [assistant, results] = plan.body.messages.slice(-2)
    expect(assistant?.content).toEqual([
      { type: 'thinking', thinking: 'Use the weather tool.', signature: 'sig-capture' },
      { type: 'tool_use', id: 'toolu_codex', name: 'exec_command', input: { cmd: 'echo codex-capture' } },
    ])
    expect(results?.content).toEqual([{ type: 'tool_result', tool_use_id: 'toolu_codex', content: expect.stringContaining('codex-capture') }])
  })

  test('the Agents SDK sends its reasoning item back by id alone: without the store it is dropped and reported', () => {
    const plan = map(fixtureJson('openai-responses/agents-sdk.tools-2.json'))
    expect(plan.adjustments.toArray()).toEqual(['reasoning:dropped'])
  })
})

describe('input → system and turns', () => {
  test('a string input is one user turn; instructions lead the system blocks', () => {
    const { body } = map({ instructions: 'Be brief.', input: 'Hello' })
    expect(body.system).toEqual([{ type: 'text', text: 'Be brief.' }])
    expect(body.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }])
  })

  test('system and developer items are hoisted in order; user and assistant neighbours merge', () => {
    const { body, conversationSystem } = map({
      input: [
        { role: 'developer', content: 'dev rule' },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'a' }] },
        { role: 'user', content: 'b' },
        { role: 'system', content: [{ type: 'input_text', text: 'sys rule' }] },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'c', annotations: [] }], id: 'msg_1', status: 'completed' },
        { role: 'user', content: 'd' },
      ],
    })
    expect(body.system).toEqual([
      { type: 'text', text: 'dev rule' },
      { type: 'text', text: 'sys rule' },
    ])
    expect(conversationSystem).toEqual(body.system as never)
    expect(body.messages.map((m) => [m.role, (m.content as { text?: string }[]).map((b) => b.text)])).toEqual([
      ['user', ['a', 'b']],
      ['assistant', ['c']],
      ['user', ['d']],
    ])
  })

  const image = (image_url: string, detail = 'auto') => ({ role: 'user', content: [{ type: 'input_image', image_url, detail }] })
  test.each([
    [
      'data: URL',
      image('data:image/png;base64,iVBORw0KGgo='),
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      [],
    ],
    [
      'https URL, detail reported',
      image('https://example.com/cat.jpg', 'high'),
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
      ['input_image.detail:ignored'],
    ],
    [
      'PDF as base64 file_data (AI SDK shape)',
      { role: 'user', content: [{ type: 'input_file', filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' }] },
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' }, title: 'a.pdf' },
      [],
    ],
    [
      'PDF as bare base64 file_data (Agents SDK shape)',
      { role: 'user', content: [{ type: 'input_file', filename: 'a.pdf', file_data: 'JVBERi0xLjQK' }] },
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0xLjQK' }, title: 'a.pdf' },
      [],
    ],
    [
      'file_url',
      { role: 'user', content: [{ type: 'input_file', file_url: 'https://example.com/a.pdf' }] },
      { type: 'document', source: { type: 'url', url: 'https://example.com/a.pdf' } },
      [],
    ],
  ])('input part: %s', (_name, item, block, adjustments) => {
    const plan = map({ input: [item] })
    expect(plan.body.messages[0]?.content).toEqual([block] as never)
    expect(plan.adjustments.toArray()).toEqual(adjustments)
  })

  test.each([
    ['input_file file_id', { type: 'input_file', file_id: 'file-123' }, 'input[0].content[0].file_id'],
    ['input_image file_id', { type: 'input_image', file_id: 'file-123', detail: 'auto' }, 'input[0].content[0].file_id'],
    ['image of another type', { type: 'input_image', image_url: 'data:image/tiff;base64,AAAA', detail: 'auto' }, 'input[0].content[0].image_url'],
  ])('%s → 400 naming the part', (_name, part, param) => {
    expect(rejected({ input: [{ role: 'user', content: [part] }] }).param).toBe(param)
  })
})

describe('tool calls and results', () => {
  const call = (call_id: string, args = '{"city":"Paris"}') => ({
    type: 'function_call',
    call_id,
    name: 'get_weather',
    arguments: args,
    id: `fc_${call_id}`,
    status: 'completed',
  })
  const output = (call_id: string, out: unknown = '18°C') => ({ type: 'function_call_output', call_id, output: out })

  test('consecutive calls join one assistant turn; their outputs lead the next user turn (openai SDK round trip)', () => {
    const { body } = map({
      tools: [weather],
      input: [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        call('call_1'),
        call('call_2', '{"city":"Rome"}'),
        output('call_1'),
        output('call_2', [{ type: 'input_text', text: '21°C' }]),
        { role: 'user', content: 'Thanks' },
      ],
    })
    expect(body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Rome?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'call_2', name: 'get_weather', input: { city: 'Rome' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_1', content: '18°C' },
          { type: 'tool_result', tool_use_id: 'call_2', content: [{ type: 'text', text: '21°C' }] },
          { type: 'text', text: 'Thanks' },
        ],
      },
    ])
  })

  test('a continuation that sends only the tool output finds the call in the stored history', () => {
    const history: ConversationHistory = {
      system: [{ type: 'text', text: 'from the first request' }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
        { role: 'assistant', content: [thinking, { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }] },
      ],
    }
    const { body } = map({ tools: [weather], input: [output('toolu_1')], reasoning: { effort: 'low' } }, { history })
    expect(body.system).toEqual(history.system)
    expect(body.messages.at(-2)).toEqual(history.messages[1] as never)
    expect(body.messages.at(-1)).toEqual({ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '18°C' }] })
    expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: 2048 })
  })

  test('instructions are not carried over from the stored history', () => {
    const history: ConversationHistory = {
      system: [],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'hi' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'hello' }] },
      ],
    }
    expect(map({ instructions: 'new', input: 'again' }, { history }).body.system).toEqual([{ type: 'text', text: 'new' }])
  })

  test.each([
    ['invalid JSON', 'not json', 'input[1].arguments'],
    ['not an object', '[1]', 'input[1].arguments'],
    ['deeper than the body limit', `${'{"a":'.repeat(70)}1${'}'.repeat(70)}`, 'input[1].arguments'],
  ])('function_call arguments %s → 400 naming the item', (_name, args, param) => {
    expect(rejected({ tools: [weather], input: [{ role: 'user', content: 'x' }, call('c1', args), output('c1')] }).param).toBe(param)
  })

  test('an output that answers no call is a 400 on input', () => {
    expect(rejected({ input: [{ role: 'user', content: 'x' }, output('nobody')] }).param).toBe('input')
  })

  test('an unanswered call gets an error result (reported)', () => {
    const plan = map({ tools: [weather], input: [{ role: 'user', content: 'x' }, call('c1'), { role: 'user', content: 'never mind' }] })
    expect(plan.body.messages[2]?.content).toEqual([
      { type: 'tool_result', tool_use_id: 'c1', is_error: true, content: 'No result was provided for this tool call.' },
      { type: 'text', text: 'never mind' },
    ])
    expect(plan.adjustments.toArray()).toContain('tool_result:added')
  })
})

describe('reasoning items', () => {
  const toolTurn = (reasoning: Record<string, unknown>) => [
    { role: 'user', content: 'Weather in Paris?' },
    { type: 'reasoning', id: 'rs_1', summary: [], ...reasoning },
    { type: 'function_call', call_id: 'toolu_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
    { type: 'function_call_output', call_id: 'toolu_1', output: '18°C' },
  ]

  test('encrypted_content carries the thinking block verbatim, first in its turn (store:false, Codex)', () => {
    const plan = map({
      tools: [weather],
      reasoning: { effort: 'medium' },
      store: false,
      input: toolTurn({ encrypted_content: toEncryptedReasoning(thinking) }),
    })
    expect(plan.body.messages[1]?.content).toEqual([thinking, { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }])
    expect(plan.body.thinking).toBeDefined()
    expect(plan.adjustments.toArray()).toEqual([])
  })

  test('redacted thinking round-trips too', () => {
    const redacted = { type: 'redacted_thinking' as const, data: 'opaque' }
    const plan = map({ tools: [weather], input: toolTurn({ encrypted_content: toEncryptedReasoning(redacted) }) })
    expect(plan.body.messages[1]?.content[0]).toEqual(redacted)
  })

  test.each([
    ['no encrypted_content', {}],
    ['OpenAI encrypted_content', { encrypted_content: 'gAAAAABo-not-ours' }],
    ['a forged payload', { encrypted_content: `gw1.${Buffer.from('{"type":"thinking","thinking":"x"}').toString('base64url')}` }],
  ])('%s: dropped and reported; thinking is switched off rather than sending an unsigned turn', (_name, reasoning) => {
    const plan = map({ tools: [weather], reasoning: { effort: 'medium' }, input: toolTurn(reasoning) })
    expect(plan.body.messages[1]?.content).toEqual([{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }])
    expect(plan.body.thinking).toBeUndefined()
    expect(plan.adjustments.toArray()).toEqual(['reasoning:dropped', 'thinking:disabled_unsigned_history'])
  })
})

describe('tools', () => {
  const codex = fixtureJson<Record<string, unknown>>('openai-responses/codex-exec.responses-1.json')

  test("Codex CLI's first request as sent: accepted, namespace flattened, web_search dropped (cached-only), fields reported", () => {
    const plan = map(codex)
    const names = plan.body.tools?.map((tool) => tool.name)
    expect(names).toEqual([
      'exec_command',
      'write_stdin',
      'request_user_input',
      'view_image',
      'multi_agent_v1__close_agent',
      'multi_agent_v1__resume_agent',
      'get_goal',
      'create_goal',
      'update_goal',
    ])
    expect(plan.toolNames.get('multi_agent_v1__close_agent')).toEqual({ type: 'function', name: 'close_agent', namespace: 'multi_agent_v1' })
    expect((plan.body.system as { text: string }[])[0]?.text).toStartWith('You are a coding agent running in the Codex CLI')
    expect(plan.body.tool_choice).toEqual({ type: 'auto' })
    expect(plan.store).toBe(false)
    expect(plan.includeEncryptedReasoning).toBe(true)
    expect(plan.summary).toBe(true)
    expect(plan.body.thinking).toBeUndefined()
    expect(plan.adjustments.toArray()).toEqual(['tools.web_search:dropped', 'prompt_cache_key:ignored', 'client_metadata:ignored'])
  })

  test('a custom tool (Codex apply_patch) is one string property; its call and output round-trip', () => {
    const applyPatch = {
      type: 'custom',
      name: 'apply_patch',
      description: 'Edit files.',
      format: { type: 'grammar', syntax: 'lark', definition: 'start: "*** Begin Patch"' },
    }
    const plan = map({
      tools: [applyPatch],
      input: [
        { role: 'user', content: 'fix it' },
        { type: 'custom_tool_call', call_id: 'ctc_call', name: 'apply_patch', input: '*** Begin Patch\n*** End Patch' },
        { type: 'custom_tool_call_output', call_id: 'ctc_call', output: 'Done' },
      ],
    })
    const tool = plan.body.tools?.[0] as { name: string; description: string; input_schema: unknown }
    expect(tool.name).toBe('apply_patch')
    expect(tool.description).toBe('Edit files.\n\nThe input must follow this lark grammar:\nstart: "*** Begin Patch"')
    expect(tool.input_schema).toEqual({
      type: 'object',
      properties: { input: { type: 'string', description: 'The raw input of this tool, as plain text (not JSON).' } },
      required: ['input'],
      additionalProperties: false,
    })
    expect(plan.toolNames.get('apply_patch')).toEqual({ type: 'custom', name: 'apply_patch' })
    expect(plan.body.messages[1]?.content).toEqual([
      { type: 'tool_use', id: 'ctc_call', name: 'apply_patch', input: { input: '*** Begin Patch\n*** End Patch' } },
    ])
    expect(plan.adjustments.toArray()).toEqual(['tools.custom.format:converted'])
  })

  test('namespace names stay within the API pattern and map back one to one', () => {
    const long = toAnthropicToolName('a'.repeat(60), 'mcp.server')
    expect(long).toMatch(/^[a-zA-Z0-9_-]{1,64}$/)
    expect(long).not.toBe(toAnthropicToolName('a'.repeat(61), 'mcp.server'))
    const plan = map({ tools: [{ type: 'namespace', name: 'mcp.server', description: 'x', tools: [{ type: 'function', name: 'a'.repeat(60) }] }], input: 'go' })
    expect(plan.toolNames.get(long)).toEqual({ type: 'function', name: 'a'.repeat(60), namespace: 'mcp.server' })
  })

  test.each([
    [
      'live web_search on a model with server search',
      { type: 'web_search', filters: { allowed_domains: ['example.com'] } },
      'claude-sonnet-4-5',
      [{ type: 'web_search_20250305', name: 'web_search', allowed_domains: ['example.com'] }],
      [],
    ],
    [
      'web_search_preview with a location',
      { type: 'web_search_preview', user_location: { type: 'approximate', city: 'Paris', country: 'FR' } },
      'claude-opus-4-7',
      [{ type: 'web_search_20250305', name: 'web_search', user_location: { type: 'approximate', city: 'Paris', country: 'FR' } }],
      [],
    ],
    ['web_search on a model without it', { type: 'web_search' }, 'claude-3-haiku-20240307', undefined, ['tools.web_search:dropped']],
    ['web_search on an unknown model', { type: 'web_search' }, 'my-proxy-model', undefined, ['tools.web_search:dropped']],
    ['file_search', { type: 'file_search', vector_store_ids: ['vs_1'] }, 'claude-sonnet-4-5', undefined, ['tools.file_search:dropped']],
    ['local_shell', { type: 'local_shell' }, 'claude-sonnet-4-5', undefined, ['tools.local_shell:dropped']],
    ['a tool type OpenAI adds later', { type: 'hologram_2027' }, 'claude-sonnet-4-5', undefined, ['tools.other:dropped']],
  ])('%s', (_name, tool, model, tools, adjustments) => {
    const plan = map({ model, tools: [tool], input: 'search' })
    expect(plan.body.tools).toEqual(tools as never)
    expect(plan.adjustments.toArray()).toEqual(adjustments)
  })

  const custom = { type: 'custom', name: 'apply_patch' }
  test.each([
    ['auto', 'auto', { type: 'auto' }, 2],
    ['required', 'required', { type: 'any' }, 2],
    ['none', 'none', { type: 'none' }, 2],
    ['a function', { type: 'function', name: 'get_weather' }, { type: 'tool', name: 'get_weather' }, 2],
    ['a custom tool', { type: 'custom', name: 'apply_patch' }, { type: 'tool', name: 'apply_patch' }, 2],
    [
      'allowed_tools (auto) narrows the tools sent',
      { type: 'allowed_tools', mode: 'auto', tools: [{ type: 'function', name: 'get_weather' }] },
      { type: 'auto' },
      1,
    ],
    ['allowed_tools (required)', { type: 'allowed_tools', mode: 'required', tools: [{ type: 'custom', name: 'apply_patch' }] }, { type: 'any' }, 1],
  ])('tool_choice %s', (_name, tool_choice, expected, count) => {
    const { body } = map({ tools: [weather, custom], tool_choice, input: 'go' })
    expect(body.tool_choice).toEqual(expected as never)
    expect(body.tools).toHaveLength(count)
  })

  test('allowed_tools that names none of the tools sends no tools', () => {
    const { body } = map({
      tools: [weather],
      tool_choice: { type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'other' }] },
      input: 'go',
    })
    expect([body.tools, body.tool_choice]).toEqual([undefined, undefined])
  })

  test('parallel_tool_calls:false disables parallel use; tool_choice without tools is reported', () => {
    expect(map({ tools: [weather], parallel_tool_calls: false, input: 'go' }).body.tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true })
    expect(map({ tool_choice: 'required', parallel_tool_calls: true, input: 'go' }).adjustments.toArray()).toEqual([
      'tool_choice:ignored',
      'parallel_tool_calls:ignored',
    ])
  })
})

describe('top-level fields', () => {
  test('text.format json_schema is native structured output where the model has it (AI SDK shape)', () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false }
    const plan = map({ input: 'json please', text: { format: { type: 'json_schema', name: 'answer', schema, strict: true } } })
    expect(plan.body.output_config).toEqual({ format: { type: 'json_schema', schema } })
    expect(plan.jsonTool).toBeUndefined()
  })

  test('json_object goes through the forced JSON tool', () => {
    const plan = map({ input: 'json please', text: { format: { type: 'json_object' } } })
    expect(plan.jsonTool).toBe('gateway_json_response')
    expect(plan.body.tool_choice).toEqual({ type: 'tool', name: 'gateway_json_response' })
  })

  test.each([
    ['low', 'claude-sonnet-4-5', { thinking: { type: 'enabled', budget_tokens: 2048 } }],
    ['high', 'claude-opus-4-7', { thinking: { type: 'adaptive', display: 'summarized' }, output_config: { effort: 'high' } }],
  ])('reasoning.effort %s', (effort, model, expected) => {
    const { body } = map({ model, input: 'think', reasoning: { effort: effort.split(' ')[0], summary: 'auto' } })
    expect({ thinking: body.thinking, ...(body.output_config ? { output_config: body.output_config } : {}) }).toEqual(expected as never)
  })

  test('reasoning.effort max (the SDK name of the top effort) is xhigh', () => {
    for (const model of ['claude-sonnet-4-5', 'claude-opus-4-7']) {
      const top = map({ model, input: 'think', reasoning: { effort: 'max' } }).body
      expect(top).toEqual(map({ model, input: 'think', reasoning: { effort: 'xhigh' } }).body)
      expect(top.thinking).toBeDefined()
    }
  })

  test('max_output_tokens is max_tokens, its clamp reported under its own name', () => {
    expect(map({ input: 'x', max_output_tokens: 300 }).body.max_tokens).toBe(300)
    const plan = map({ input: 'x', max_output_tokens: 1_000_000 })
    expect(plan.body.max_tokens).toBe(16384)
    expect(plan.adjustments.toArray()).toEqual(['max_output_tokens:clamped'])
  })

  test('safety_identifier (or user) becomes metadata.user_id; metadata stays with the response', () => {
    expect(map({ input: 'x', safety_identifier: 'user-42', metadata: { app: 'demo' } }).body.metadata).toEqual({ user_id: 'user-42' })
  })

  test('gateway fields and unknown fields: reported, never sent', () => {
    const plan = map({
      input: 'x',
      truncation: 'auto',
      service_tier: 'auto',
      include: ['message.output_text.logprobs'],
      text: { verbosity: 'low' },
      brand_new_field: 1,
    })
    expect(plan.adjustments.toArray()).toEqual([
      'service_tier:ignored',
      'truncation:ignored',
      'text.verbosity:ignored',
      'include:ignored',
      'brand_new_field:ignored',
    ])
    expect(Object.keys(plan.body).sort()).toEqual(['max_tokens', 'messages', 'model'])
  })

  test.each([
    ['background:true', { background: true }, 'background'],
    ['conversation', { conversation: 'conv_1' }, 'conversation'],
    ['prompt', { prompt: { id: 'pmpt_1' } }, 'prompt'],
  ])('%s → 400 unsupported_parameter', (_name, fields, param) => {
    const error = rejected({ input: 'x', ...fields })
    expect([error.status, error.code, error.param]).toEqual([400, 'unsupported_parameter', param])
  })

  test('an input with nothing to send is a 400 on input', () => {
    expect(rejected({ input: [] }).param).toBe('input')
  })
})
