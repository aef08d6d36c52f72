import { describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import type { Message } from '../../src/anthropic/response-schema.ts'
import { fixtureEvents, fixtureJson } from '../support/fixtures.ts'
import { openAISuite } from '../support/openai-suite.ts'

const suite = openAISuite()

const messages = [
  { role: 'system' as const, content: 'Be brief.' },
  { role: 'user' as const, content: 'Hello from the openai SDK' },
]

describe('the openai npm SDK as the client', () => {
  test('chat.completions.create', async () => {
    const completion = await suite.client.chat.completions.create({ model: 'claude-sonnet-4-5', messages })
    expect(completion.object).toBe('chat.completion')
    expect(completion.choices[0]?.message.content).toContain('Hello from the openai SDK')
    expect(completion.choices[0]?.finish_reason).toBe('stop')
    expect(suite.gw.mock.requests[0]?.body.system).toEqual([{ type: 'text', text: 'Be brief.' }])
  })

  test('create with stream: true, include_usage', async () => {
    const stream = await suite.client.chat.completions.create({ model: 'claude-sonnet-4-5', messages, stream: true, stream_options: { include_usage: true } })
    let text = ''
    let usage: OpenAI.CompletionUsage | null | undefined
    const finishes: string[] = []
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? ''
      if (chunk.choices[0]?.finish_reason) finishes.push(chunk.choices[0].finish_reason)
      if (chunk.usage) usage = chunk.usage
    }
    expect(text).toContain('Hello from the openai SDK')
    expect(finishes).toEqual(['stop'])
    expect(usage?.total_tokens).toBe((usage?.prompt_tokens ?? 0) + (usage?.completion_tokens ?? 0))
  })

  test('.stream() + finalChatCompletion()', async () => {
    const runner = suite.client.chat.completions.stream({ model: 'claude-sonnet-4-5', messages })
    const final = await runner.finalChatCompletion()
    expect(final.choices[0]?.message.content).toContain('Hello from the openai SDK')
  })

  test('legacy functions: the SDK gets message.function_call and finish_reason function_call, JSON and streamed', async () => {
    const message = fixtureJson<Message>('anthropic/tool-use.json')
    const use = message.content.find((b) => b.type === 'tool_use') as { name: string; input: unknown }
    const functions = [{ name: use.name, parameters: { type: 'object', properties: {} } }]
    const expected = { name: use.name, arguments: JSON.stringify(use.input) }
    suite.gw.mock.reply({ kind: 'message', message })
    const completion = await suite.client.chat.completions.create({ model: 'claude-sonnet-4-5', messages, functions })
    expect(completion.choices[0]).toMatchObject({ finish_reason: 'function_call', message: { function_call: expected } })
    expect(completion.choices[0]?.message.tool_calls).toBeUndefined()
    suite.gw.mock.reply({ kind: 'message', message, chunkSize: 3 })
    const final = await suite.client.chat.completions.stream({ model: 'claude-sonnet-4-5', messages, functions }).finalChatCompletion()
    expect(final.choices[0]?.finish_reason).toBe('function_call')
    expect(final.choices[0]?.message.function_call).toEqual(expected)
    expect(suite.gw.mock.requests[0]?.body.tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true })
  })

  test('an error mid-stream raises APIError in the SDK', async () => {
    const events = fixtureEvents('anthropic/text.sse').slice(0, 6)
    suite.gw.mock.reply({ kind: 'events', events: [...events, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }] })
    const stream = await suite.client.chat.completions.create({ model: 'claude-sonnet-4-5', messages, stream: true })
    let content = ''
    const error = await (async () => {
      for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? ''
    })().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.APIError)
    expect((error as Error).message).toContain('Overloaded')
    expect(content.length).toBeGreaterThan(0)
  })

  test('errors before the stream arrive as typed SDK errors', async () => {
    suite.gw.mock.reply({ kind: 'error', status: 429, type: 'rate_limit_error', message: 'Number of request tokens has exceeded your rate limit' })
    const error = await suite.client.chat.completions.create({ model: 'claude-sonnet-4-5', messages }).catch((e) => e)
    expect(error).toBeInstanceOf(OpenAI.RateLimitError)
    const badKey = new OpenAI({ apiKey: 'wrong', baseURL: `${suite.gw.url}/v1`, maxRetries: 0 })
    expect(await badKey.chat.completions.create({ model: 'claude-sonnet-4-5', messages }).catch((e) => e)).toBeInstanceOf(OpenAI.AuthenticationError)
  })
})
