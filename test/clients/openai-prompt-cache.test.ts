import { describe, expect, test } from 'bun:test'
import type OpenAI from 'openai'
import { openAISuite } from '../support/openai-suite.ts'

const suite = openAISuite()

/** Long enough to pass claude-sonnet-4-5's 1,024-token minimum. */
const SYSTEM = `You are a careful assistant. ${'Answer with the facts you are sure of. '.repeat(150)}`

describe('automatic prompt caching through the openai SDK', () => {
  test('the second turn of a conversation reads the first turn from the cache: prompt_tokens_details.cached_tokens', async () => {
    const first: OpenAI.ChatCompletionMessageParam[] = [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: 'What is the boiling point of water at sea level?' },
    ]
    const turn1 = await suite.client.chat.completions.create({ model: 'claude-sonnet-4-5', messages: first, user: 'alice' })
    const reply = turn1.choices[0]?.message.content ?? ''
    const second: OpenAI.ChatCompletionMessageParam[] = [...first, { role: 'assistant', content: reply }, { role: 'user', content: 'And in Fahrenheit?' }]
    const { data: turn2, response } = await suite.client.chat.completions.create({ model: 'claude-sonnet-4-5', messages: second, user: 'alice' }).withResponse()

    const usage1 = turn1.usage as OpenAI.CompletionUsage & { prompt_tokens_details: { cache_write_tokens: number } }
    const usage2 = turn2.usage as OpenAI.CompletionUsage & { prompt_tokens_details: { cache_write_tokens: number } }
    expect(usage1.prompt_tokens_details?.cached_tokens).toBe(0)
    expect(usage1.prompt_tokens_details.cache_write_tokens).toBeGreaterThan(1000)
    expect(usage2.prompt_tokens_details?.cached_tokens).toBe(usage1.prompt_tokens_details.cache_write_tokens)
    expect(response.headers.get('x-gateway-adjustments')).toBe('system.cache_control:added,messages.cache_control:added')

    const [body1, body2] = suite.gw.mock.requests.map((request) => request.body)
    expect(body1?.system).toEqual([{ type: 'text', text: SYSTEM, cache_control: { type: 'ephemeral' } }])
    expect(body2?.messages.at(-1)?.content).toEqual([{ type: 'text', text: 'And in Fahrenheit?', cache_control: { type: 'ephemeral' } }])
    expect(body2?.messages[0]?.content).toEqual([{ type: 'text', text: 'What is the boiling point of water at sea level?' }])
  })

  test('a short prompt gets no breakpoint (below the model minimum), and the client sees no adjustment', async () => {
    const { response } = await suite.client.chat.completions.create({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Hi' }] }).withResponse()
    expect(response.headers.get('x-gateway-adjustments')).toBeNull()
    expect(JSON.stringify(suite.gw.mock.requests[0]?.body)).not.toContain('cache_control')
  })
})
