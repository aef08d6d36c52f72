import { describe, expect, test } from 'bun:test'
import { loadConfig } from '../../src/config/load-config.ts'
import { OpenAIError } from '../../src/errors/openai-error.ts'
import { toAnthropicRequest } from '../../src/mapping/to-anthropic-request.ts'
import { findRequestError } from '../../src/mock-upstream/mock-validation.ts'
import type { ChatCompletionRequest } from '../../src/openai/request-schema.ts'
import { baseEnv } from '../support/test-gateway.ts'

const options = (env: Record<string, string> = {}) => loadConfig({ ...baseEnv('http://127.0.0.1:1/v1/messages'), ...env })
const map = (request: Partial<ChatCompletionRequest>, env: Record<string, string> = {}) => {
  const plan = toAnthropicRequest({ model: 'claude-sonnet-4-5', ...request } as ChatCompletionRequest, options(env))
  // Every mapped request must be one the API accepts.
  expect(findRequestError(plan.body)).toBeUndefined()
  return plan
}
const rejected = (request: Partial<ChatCompletionRequest>, env: Record<string, string> = {}) => {
  try {
    toAnthropicRequest({ model: 'claude-sonnet-4-5', ...request } as ChatCompletionRequest, options(env))
  } catch (error) {
    expect(error).toBeInstanceOf(OpenAIError)
    return error as OpenAIError
  }
  throw new Error('expected the request to be rejected')
}
const user = (content: ChatCompletionRequest['messages'][number]['content']) => ({ role: 'user' as const, content })

describe('messages → system and turns', () => {
  test('system and developer messages become the system blocks in order; empty ones are skipped', () => {
    const { body } = map({
      messages: [
        { role: 'system', content: 'one' },
        user('hi'),
        {
          role: 'developer',
          content: [
            { type: 'text', text: 'two' },
            { type: 'text', text: '' },
          ],
        },
        { role: 'system', content: '' },
      ],
    })
    expect(body.system).toEqual([
      { type: 'text', text: 'one' },
      { type: 'text', text: 'two' },
    ])
    expect(body.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'hi' }] }])
  })

  test('consecutive same-role messages merge in order, and empty ones vanish', () => {
    const { body } = map({
      messages: [user('a'), user(''), user([{ type: 'text', text: 'b' }]), { role: 'assistant', content: '' }, user('c')],
    })
    expect(body.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'a' },
          { type: 'text', text: 'b' },
          { type: 'text', text: 'c' },
        ],
      },
    ])
  })

  test('a final assistant message is a prefill with its trailing whitespace trimmed (reported)', () => {
    const plan = map({ messages: [user('hi'), { role: 'assistant', content: 'The answer is  \n' }] })
    expect(plan.body.messages.at(-1)).toEqual({ role: 'assistant', content: [{ type: 'text', text: 'The answer is' }] })
    expect(plan.adjustments.toArray()).toContain('prefill:trimmed')
  })

  test('a prefill is removed on models that reject it (reported)', () => {
    const plan = map({ model: 'claude-opus-4-6', messages: [user('hi'), { role: 'assistant', content: 'Sure' }] })
    expect(plan.body.messages).toHaveLength(1)
    expect(plan.adjustments.toArray()).toContain('prefill:removed')
  })

  test('a leading assistant message gets a "." user turn in front (reported)', () => {
    const plan = map({ messages: [{ role: 'assistant', content: 'Hi, how can I help?' }, user('hello')] })
    expect(plan.body.messages[0]).toEqual({ role: 'user', content: [{ type: 'text', text: '.' }] })
    expect(plan.adjustments.toArray()).toContain('messages:added')
  })

  test('only system messages is a 400 naming messages', () => {
    expect(rejected({ messages: [{ role: 'system', content: 'x' }] }).param).toBe('messages')
  })
})

describe('model, max_tokens, sampling', () => {
  test.each([
    [{ model: 'fast' }, { MODEL_ALIASES: 'fast:claude-haiku-4-5' }, 'claude-haiku-4-5', 'fast'],
    [{ model: 'claude-x' }, { MODEL_ALIASES: 'fast:claude-haiku-4-5' }, 'claude-x', 'claude-x'],
    [{ model: undefined }, { DEFAULT_MODEL: 'claude-opus-4-5' }, 'claude-opus-4-5', 'claude-opus-4-5'],
    [{ model: undefined }, { DEFAULT_MODEL: 'fast', MODEL_ALIASES: 'fast:claude-haiku-4-5' }, 'claude-haiku-4-5', 'fast'],
  ])('%o with %o → upstream %s, answers name %s', (request, env, upstream, answered) => {
    const plan = map({ messages: [user('hi')], ...request }, env)
    expect(plan.body.model).toBe(upstream)
    expect(plan.requestedModel).toBe(answered)
  })

  test('no model and no DEFAULT_MODEL is a 400 naming model', () => {
    const error = rejected({ model: undefined, messages: [user('hi')] })
    expect([error.status, error.param]).toEqual([400, 'model'])
  })

  const sonnet = 'claude-sonnet-4-5'
  test.each([
    ['default', {}, {}, 4096, sonnet],
    ['max_tokens', { max_tokens: 100 }, {}, 100, sonnet],
    ['max_completion_tokens wins', { max_tokens: 100, max_completion_tokens: 200 }, {}, 200, sonnet],
    ['DEFAULT_MAX_TOKENS', {}, { DEFAULT_MAX_TOKENS: '333' }, 333, sonnet],
    ['hard limit', { max_tokens: 50_000 }, {}, 16384, sonnet],
    ['MAX_TOKENS_HARD_LIMIT', { max_tokens: 70_000 }, { MAX_TOKENS_HARD_LIMIT: '60000' }, 60000, sonnet],
    ['model ceiling below the hard limit', { max_tokens: 9000 }, { MAX_TOKENS_HARD_LIMIT: '100000' }, 8192, 'claude-3-5-haiku'],
  ] as [string, Partial<ChatCompletionRequest>, Record<string, string>, number, string][])('max_tokens: %s', (_name, request, env, expected, model) => {
    expect(map({ model, messages: [user('hi')], ...request }, env).body.max_tokens).toBe(expected)
  })

  test('MAX_TOKENS_DYNAMIC shrinks max_tokens to the room left in the context window', () => {
    const env = { MAX_TOKENS_DYNAMIC: 'true', MODEL_CONTEXT_LIMITS_JSON: '{"claude-sonnet-4-5": 3000}' }
    // 4000 characters ÷ 4 = 1000 tokens; 3000 − 1000 − 1024 = 976.
    const plan = map({ messages: [user('x'.repeat(4000))] }, env)
    expect(plan.body.max_tokens).toBe(976)
    expect(plan.adjustments.toArray()).toContain('max_tokens:clamped')
    // Images count IMAGE_TOKEN_EQUIV each.
    const image = { type: 'image_url' as const, image_url: { url: 'https://example.com/a.png' } }
    expect(map({ messages: [user([image, image])] }, { ...env, IMAGE_TOKEN_EQUIV: '100' }).body.max_tokens).toBe(3000 - 200 - 1024)
    // Not applied to models missing from the table, nor when switched off.
    expect(map({ model: 'claude-haiku-4-5', messages: [user('x'.repeat(4000))] }, env).body.max_tokens).toBe(4096)
    expect(map({ messages: [user('x'.repeat(4000))] }, { ...env, MAX_TOKENS_DYNAMIC: 'false' }).body.max_tokens).toBe(4096)
  })

  test('MAX_TOKENS_DYNAMIC with no room left is a 400 context_length_exceeded', () => {
    const env = { MAX_TOKENS_DYNAMIC: 'true', MODEL_CONTEXT_LIMITS_JSON: '{"claude-sonnet-4-5": 2000}', TOKEN_EST_CHARS_PER_TOKEN: '2' }
    const error = rejected({ messages: [user('x'.repeat(2000))] }, env)
    expect([error.status, error.code, error.param]).toEqual([400, 'context_length_exceeded', 'messages'])
  })

  test.each([
    ['temperature above 1 is clamped', 'claude-3-7-sonnet-latest', { temperature: 1.7 }, { temperature: 1 }, ['temperature:clamped']],
    ['temperature and top_p pass on a "both" model', 'claude-3-7-sonnet-latest', { temperature: 0.2, top_p: 0.9 }, { temperature: 0.2, top_p: 0.9 }, []],
    ['top_p dropped beside temperature on a "one" model', 'claude-sonnet-4-5', { temperature: 0.2, top_p: 0.9 }, { temperature: 0.2 }, ['top_p:dropped']],
    ['top_p alone kept on a "one" model', 'claude-sonnet-4-5', { top_p: 0.9 }, { top_p: 0.9 }, []],
    [
      'all sampling dropped on Opus 4.7',
      'claude-opus-4-7',
      { temperature: 0.5, top_p: 0.9, top_k: 5 },
      {},
      ['temperature:dropped', 'top_p:dropped', 'top_k:dropped'],
    ],
  ])('%s', (_name, model, request, expected, adjustments) => {
    const plan = map({ model, messages: [user('hi')], ...request })
    expect({ temperature: plan.body.temperature, top_p: plan.body.top_p, top_k: plan.body.top_k }).toEqual({
      temperature: undefined,
      top_p: undefined,
      top_k: undefined,
      ...expected,
    })
    expect(plan.adjustments.toArray()).toEqual(adjustments)
  })

  test('stop: string or list → stop_sequences; whitespace-only entries dropped (reported); null omitted', () => {
    expect(map({ messages: [user('hi')], stop: 'END' }).body.stop_sequences).toEqual(['END'])
    const plan = map({ messages: [user('hi')], stop: ['a', ' ', 'b'] })
    expect(plan.body.stop_sequences).toEqual(['a', 'b'])
    expect(plan.adjustments.toArray()).toContain('stop:dropped')
    expect(map({ messages: [user('hi')], stop: null }).body.stop_sequences).toBeUndefined()
  })

  test('user → metadata.user_id, hashed when it looks like an e-mail or phone number', () => {
    expect(map({ messages: [user('hi')], user: 'user-123' }).body.metadata).toEqual({ user_id: 'user-123' })
    const plan = map({ messages: [user('hi')], user: 'someone@example.com' })
    expect(plan.body.metadata?.user_id).toMatch(/^[0-9a-f]{64}$/)
    expect(plan.adjustments.toArray()).toContain('user:hashed')
    expect(map({ messages: [user('hi')], user: '+1 (555) 123-4567' }).body.metadata?.user_id).toMatch(/^[0-9a-f]{64}$/)
  })

  test('fields with no equivalent, and unknown fields, are ignored and reported', () => {
    const plan = map({ messages: [user('hi')], seed: 1, presence_penalty: 0.5, store: true, some_new_field: 1 } as never)
    expect(plan.adjustments.toArray()).toEqual(['seed:ignored', 'presence_penalty:ignored', 'store:ignored', 'some_new_field:ignored'])
    expect(Object.keys(plan.body)).not.toContain('seed')
  })

  test('stream_options without stream: true is ignored and reported (OpenAI answers 400)', () => {
    expect(map({ messages: [user('hi')], stream_options: { include_usage: true } }).adjustments.toArray()).toEqual(['stream_options:ignored'])
    expect(map({ messages: [user('hi')], stream: false, stream_options: {} }).adjustments.toArray()).toEqual(['stream_options:ignored'])
    const streamed = map({ messages: [user('hi')], stream: true, stream_options: { include_usage: true } })
    expect(streamed.adjustments.size).toBe(0)
    expect(streamed.includeUsage).toBe(true)
    expect(map({ messages: [user('hi')], stream_options: null }).adjustments.size).toBe(0)
  })

  test.each([
    [{ logprobs: true }, 'logprobs'],
    [{ top_logprobs: 3 }, 'top_logprobs'],
    [{ modalities: ['text', 'audio'] }, 'modalities'],
    [{ audio: { voice: 'alloy' } }, 'audio'],
  ])('%o is a 400 unsupported_parameter', (request, param) => {
    const error = rejected({ messages: [user('hi')], ...request } as never)
    expect([error.status, error.code, error.param]).toEqual([400, 'unsupported_parameter', param])
  })

  test('n above MAX_N is a 400 naming n', () => {
    expect(rejected({ messages: [user('hi')], n: 9 }).param).toBe('n')
    expect(map({ messages: [user('hi')], n: 3 }, { MAX_N: '3' }).n).toBe(3)
  })

  test('stream and include_usage', () => {
    expect(map({ messages: [user('hi')], stream: true, stream_options: { include_usage: true } })).toMatchObject({
      stream: true,
      includeUsage: true,
      body: { stream: true },
    })
    expect(map({ messages: [user('hi')] }).body.stream).toBeUndefined()
  })
})
