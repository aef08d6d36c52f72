import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import { createOpenAI } from '@ai-sdk/openai'
import { generateText, jsonSchema, stepCountIs, streamText, tool } from 'ai'
import { anthropicMessage } from '../support/anthropic-message.ts'
import { CLIENT_KEY, startGateway, type TestGateway } from '../support/test-gateway.ts'

/**
 * The Vercel AI SDK's Responses model (`@ai-sdk/openai` `openai.responses()`) as the client. With
 * its default `store:true` it sends earlier output items back as `item_reference`s, which the
 * gateway must find in its store; with `store:false` it sends them whole.
 */

let gw: TestGateway
let openai: ReturnType<typeof createOpenAI>
/** The bodies the SDK sent to the gateway, to check what it relies on (item references or whole items). */
const sent: { input: { type?: string; id?: string; encrypted_content?: string }[] }[] = []
beforeAll(async () => {
  gw = await startGateway()
  const recording = (async (url: string, init?: RequestInit) => {
    if (typeof init?.body === 'string') sent.push(JSON.parse(init.body))
    return fetch(url, init)
  }) as typeof fetch
  openai = createOpenAI({ baseURL: `${gw.url}/v1`, apiKey: CLIENT_KEY, fetch: recording })
})
afterAll(() => gw.stop())
beforeEach(() => {
  gw.mock.reset()
  sent.length = 0
})

const MODEL = 'claude-sonnet-4-5'
const thinking = { type: 'thinking' as const, thinking: 'Use the weather tool.', signature: 'sig-vercel' }
const toolUse = anthropicMessage({
  id: 'msg_vercel_call',
  content: [thinking, { type: 'tool_use', id: 'toolu_vercel', name: 'get_weather', input: { city: 'Lisbon' } }],
  stop_reason: 'tool_use',
})
const final = anthropicMessage({ id: 'msg_vercel_final', content: [{ type: 'text', text: 'Lisbon: 22°C.' }], stop_reason: 'end_turn' })

const weatherTool = (calls: unknown[]) => ({
  get_weather: tool({
    description: 'Current weather in a city',
    inputSchema: jsonSchema<{ city: string }>({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false }),
    execute: async (input: { city: string }) => {
      calls.push(input)
      return { city: input.city, celsius: 22 }
    },
  }),
})

describe('@ai-sdk/openai responses()', () => {
  test('generateText', async () => {
    const result = await generateText({ model: openai.responses(MODEL), system: 'Be brief.', prompt: 'Hello from generateText' })
    expect(result.text).toContain('Hello from generateText')
    expect(result.finishReason).toBe('stop')
    expect(result.usage.inputTokens).toBeGreaterThan(0)
  })

  test('streamText', async () => {
    const result = streamText({ model: openai.responses(MODEL), prompt: 'Hello from streamText' })
    let text = ''
    for await (const delta of result.textStream) text += delta
    expect(text).toContain('Hello from streamText')
    expect((await result.usage).outputTokens).toBeGreaterThan(0)
  })

  test.each([
    ['store:true (item references)', true],
    ['store:false (items sent whole)', false],
  ])('a multi-step tool loop with %s', async (_name, store) => {
    gw.mock.reply({ kind: 'message', message: toolUse }, { kind: 'message', message: final })
    const calls: unknown[] = []
    const result = await generateText({
      model: openai.responses(MODEL),
      prompt: 'Weather in Lisbon?',
      tools: weatherTool(calls),
      stopWhen: stepCountIs(3),
      // The SDK only sends reasoning settings to models it knows reason, unless told.
      providerOptions: { openai: { store, forceReasoning: true, reasoningEffort: 'low', include: store ? [] : ['reasoning.encrypted_content'] } },
    })
    expect(calls).toEqual([{ city: 'Lisbon' }])
    expect(result.text).toBe('Lisbon: 22°C.')
    const second = gw.mock.requests[1]?.body
    expect(second?.messages[1]?.content).toEqual([thinking, { type: 'tool_use', id: 'toolu_vercel', name: 'get_weather', input: { city: 'Lisbon' } }])
    expect(second?.messages[2]?.content[0]).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_vercel' })
    expect(second?.thinking).toEqual({ type: 'enabled', budget_tokens: 2048 })
    const reasoning = sent[1]?.input.find((item) => item.type === (store ? 'item_reference' : 'reasoning'))
    expect(reasoning?.id).toStartWith('rs_')
    if (!store) expect(reasoning?.encrypted_content).toStartWith('gw1.')
  })
})
