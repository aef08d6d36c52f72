import { describe, expect, test } from 'bun:test'
import { loadConfig } from '../../src/config/load-config.ts'
import { findModelQuirks, MODEL_QUIRKS } from '../../src/mapping/model-quirks.ts'
import { toAnthropicRequest } from '../../src/mapping/to-anthropic-request.ts'
import { fitsNativeStructuredOutput, JSON_TOOL_NAME } from '../../src/mapping/to-anthropic-response-format.ts'
import { findRequestError } from '../../src/mock-upstream/mock-validation.ts'
import type { ChatCompletionRequest } from '../../src/openai/request-schema.ts'
import { baseEnv } from '../support/test-gateway.ts'

const map = (request: Record<string, unknown>, env: Record<string, string> = {}) => {
  const options = loadConfig({ ...baseEnv('http://127.0.0.1:1/v1/messages'), ...env })
  const plan = toAnthropicRequest({ messages: [{ role: 'user', content: 'think' }], ...request } as ChatCompletionRequest, options)
  expect(findRequestError(plan.body)).toBeUndefined()
  return plan
}

describe('reasoning_effort → thinking', () => {
  test.each([
    ['claude-sonnet-4-5', 'low', { type: 'enabled', budget_tokens: 2048 }, undefined, 4096 + 2048],
    ['claude-sonnet-4-5', 'high', { type: 'enabled', budget_tokens: 8192 }, undefined, 4096 + 8192],
    ['claude-opus-4-6', 'medium', { type: 'adaptive' }, 'medium', 4096],
    ['claude-opus-4-6', 'xhigh', { type: 'adaptive' }, 'max', 4096],
    ['claude-opus-4-7', 'minimal', { type: 'adaptive', display: 'summarized' }, 'low', 4096],
    ['claude-opus-4-7', 'xhigh', { type: 'adaptive', display: 'summarized' }, 'xhigh', 4096],
  ])('%s + %s → %o, effort %s, max_tokens %d (budget on top of the answer)', (model, effort, thinking, outputEffort, maxTokens) => {
    const plan = map({ model, reasoning_effort: effort })
    expect(plan.body.thinking).toEqual(thinking as never)
    expect(plan.body.output_config?.effort).toBe(outputEffort)
    expect(plan.body.max_tokens).toBe(maxTokens)
  })

  test('none, absent, and models without thinking send no thinking (the last reported)', () => {
    expect(map({ model: 'claude-sonnet-4-5', reasoning_effort: 'none' }).body.thinking).toBeUndefined()
    expect(map({ model: 'claude-sonnet-4-5' }).body.thinking).toBeUndefined()
    const old = map({ model: 'claude-3-5-haiku-latest', reasoning_effort: 'high' })
    expect(old.body.thinking).toBeUndefined()
    expect(old.adjustments.toArray()).toContain('reasoning_effort:ignored')
  })

  test('a thinking object without a budget passes as sent, and max_tokens stays a number', () => {
    const options = loadConfig(baseEnv('http://127.0.0.1:1/v1/messages'))
    const plan = toAnthropicRequest(
      { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'x' }], thinking: { type: 'enabled' } } as ChatCompletionRequest,
      options,
    )
    expect(plan.body.max_tokens).toBe(4096)
    expect(plan.body.thinking).toEqual({ type: 'enabled' } as never)
  })

  test('a thinking object passes as sent', () => {
    expect(map({ model: 'claude-sonnet-4-5', thinking: { type: 'enabled', budget_tokens: 3000 } }).body.thinking).toEqual({
      type: 'enabled',
      budget_tokens: 3000,
    })
  })

  test('with thinking: temperature, top_k and a low top_p are dropped (reported); top_p ≥ 0.95 kept', () => {
    const plan = map({ model: 'claude-3-7-sonnet-latest', reasoning_effort: 'low', temperature: 0.3, top_k: 5, top_p: 0.5 })
    expect([plan.body.temperature, plan.body.top_k, plan.body.top_p]).toEqual([undefined, undefined, undefined])
    expect(plan.adjustments.toArray()).toEqual(['temperature:dropped', 'top_p:dropped', 'top_k:dropped'])
    expect(map({ model: 'claude-3-7-sonnet-latest', reasoning_effort: 'low', top_p: 0.97 }).body.top_p).toBe(0.97)
  })

  test('the budget shrinks below a clamped max_tokens, and thinking goes off below 1024 (reported)', () => {
    const thinking = (budget: number) => ({ model: 'claude-3-7-sonnet-latest', thinking: { type: 'enabled', budget_tokens: budget }, max_tokens: 500 })
    const shrunk = map(thinking(5000), { MAX_TOKENS_HARD_LIMIT: '4096' })
    expect(shrunk.body.max_tokens).toBe(4096)
    expect(shrunk.body.thinking).toEqual({ type: 'enabled', budget_tokens: 4095 })
    expect(shrunk.adjustments.toArray()).toEqual(['max_tokens:clamped', 'thinking.budget_tokens:clamped'])
    const off = map(thinking(2000), { MAX_TOKENS_HARD_LIMIT: '1000' })
    expect(off.body.thinking).toBeUndefined()
    expect(off.adjustments.toArray()).toContain('thinking:disabled')
  })

  test('a forced tool choice switches thinking off (reported) instead of an API 400', () => {
    const plan = map({
      model: 'claude-sonnet-4-5',
      reasoning_effort: 'low',
      tools: [{ type: 'function', function: { name: 'f' } }],
      tool_choice: 'required',
    })
    expect(plan.body.thinking).toBeUndefined()
    expect(plan.adjustments.toArray()).toContain('thinking:disabled')
  })

  test('a tool loop whose last assistant turn has no signed thinking switches thinking off', () => {
    const loop = [
      { role: 'user', content: 'go' },
      { role: 'assistant', reasoning_content: 'unsigned', tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 't1', content: 'ok' },
    ]
    const tools = [{ type: 'function', function: { name: 'f' } }]
    const plan = map({ model: 'claude-sonnet-4-5', reasoning_effort: 'low', tools, messages: loop })
    expect(plan.body.thinking).toBeUndefined()
    expect(plan.adjustments.toArray()).toContain('thinking:disabled_unsigned_history')
    const signed = structuredClone(loop) as Record<string, unknown>[]
    ;(signed[1] as Record<string, unknown>).thinking_blocks = [{ type: 'thinking', thinking: 'signed', signature: 'sig' }]
    const kept = map({ model: 'claude-sonnet-4-5', reasoning_effort: 'low', tools, messages: signed })
    expect(kept.body.thinking).toEqual({ type: 'enabled', budget_tokens: 2048 })
    expect(kept.body.messages[1]?.content).toEqual([
      { type: 'thinking', thinking: 'signed', signature: 'sig' },
      { type: 'tool_use', id: 't1', name: 'f', input: {} },
    ])
  })
})

describe('response_format', () => {
  const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false }
  const jsonSchema = { type: 'json_schema', json_schema: { name: 'a', schema } }

  test('json_schema uses native structured output where the model has it', () => {
    const plan = map({ model: 'claude-sonnet-4-5', response_format: jsonSchema })
    expect(plan.body.output_config).toEqual({ format: { type: 'json_schema', schema } })
    expect(plan.jsonTool).toBe(false)
  })

  test('elsewhere, and for json_object or schemas native mode rejects, a forced JSON tool (reported)', () => {
    for (const [model, format] of [
      ['claude-3-7-sonnet-latest', jsonSchema],
      ['claude-sonnet-4-5', { type: 'json_object' }],
      [
        'claude-sonnet-4-5',
        { type: 'json_schema', json_schema: { name: 'b', schema: { type: 'object', properties: { n: { type: 'integer', minimum: 1 } } } } },
      ],
    ] as const) {
      const plan = map({ model, response_format: format })
      expect(plan.jsonTool).toBe(true)
      expect(plan.body.tool_choice).toEqual({ type: 'tool', name: JSON_TOOL_NAME })
      expect(plan.body.tools?.map((t) => t.name)).toEqual([JSON_TOOL_NAME])
      expect(plan.adjustments.toArray()).toContain('response_format:converted')
    }
  })

  test('with thinking the JSON tool is offered, not forced', () => {
    const plan = map({ model: 'claude-3-7-sonnet-latest', response_format: { type: 'json_object' }, reasoning_effort: 'low' })
    expect(plan.body.tool_choice).toEqual({ type: 'auto' })
    expect(plan.body.thinking).toBeDefined()
  })

  test.each([
    [{ type: 'object', properties: { a: { type: 'string', format: 'email' } }, additionalProperties: false }, true],
    [{ type: 'object', properties: { a: { type: 'string', maxLength: 3 } } }, false],
    [{ type: 'object', additionalProperties: true }, false],
    [{ type: 'array', items: { type: 'string' }, minItems: 1 }, true],
    [{ type: 'array', minItems: 2 }, false],
    [{ $ref: 'https://example.com/s.json' }, false],
    [{ enum: [{ minimum: 1 }] }, true],
  ])('fitsNativeStructuredOutput(%o) = %s', (schema, fits) => {
    expect(fitsNativeStructuredOutput(schema)).toBe(fits)
  })
})

describe('model quirks table', () => {
  test('first matching prefix wins; unknown models pass as sent', () => {
    expect(findModelQuirks('claude-sonnet-4-5-20250929').prefix).toBe('claude-sonnet-4-5')
    expect(findModelQuirks('my-local-model')).toMatchObject({ prefix: '', sampling: 'both', prefill: true })
  })

  test('MODEL_QUIRKS_JSON overrides a row for one exact model id', () => {
    const env = { MODEL_QUIRKS_JSON: JSON.stringify({ 'relay-model': { thinking: 'adaptive', sampling: 'none', maxOutputTokens: 1000 } }) }
    const plan = map({ model: 'relay-model', reasoning_effort: 'high', temperature: 0.5, max_tokens: 5000 }, env)
    expect(plan.body).toMatchObject({ thinking: { type: 'adaptive' }, output_config: { effort: 'high' }, max_tokens: 1000 })
    expect(plan.body.temperature).toBeUndefined()
    expect(map({ model: 'relay-model-2', reasoning_effort: 'high' }, env).body.thinking).toEqual({ type: 'enabled', budget_tokens: 8192 })
  })

  test.each(MODEL_QUIRKS.map((row) => [row.prefix, row] as const))('%s: a request with every sampling field and effort is accepted', (prefix) => {
    map({ model: `${prefix}x`, temperature: 0.5, top_p: 0.9, top_k: 3, reasoning_effort: 'high', max_tokens: 1000 })
    map({
      model: `${prefix}x`,
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'pre ' },
      ],
    })
  })
})
