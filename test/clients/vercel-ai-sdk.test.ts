import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import { createOpenAICompatible } from '@ai-sdk/openai-compatible'
import { generateText, jsonSchema, stepCountIs, streamText, tool } from 'ai'
import { anthropicMessage } from '../support/anthropic-message.ts'
import { CLIENT_KEY, startGateway, type TestGateway } from '../support/test-gateway.ts'

/**
 * The Vercel AI SDK (`ai` + `@ai-sdk/openai-compatible`) as the client: a two-step tool loop
 * (tool call, then the final answer) with `generateText` and `streamText`. The mock checks the
 * second request like the real API, so it only answers when the tool_result blocks are right.
 */

let gw: TestGateway
let provider: ReturnType<typeof createOpenAICompatible>
beforeAll(async () => {
  gw = await startGateway()
  provider = createOpenAICompatible({ name: 'claude-gateway', baseURL: `${gw.url}/v1`, apiKey: CLIENT_KEY, includeUsage: true })
})
afterAll(() => gw.stop())
beforeEach(() => gw.mock.reset())

const MODEL = 'claude-sonnet-4-5'
const WEATHER_ID = 'toolu_01VercelWeather9Zx2'
const TIME_ID = 'toolu_01VercelTimeQ4mN8k'
const LEAD = 'Checking both for you.'
const FINAL = 'Lisbon: 22°C and sunny; local time 09:30.'
const WEATHER = { city: 'Lisbon', temperature: 22, sky: 'sunny' }

const toolUseMessage = anthropicMessage({
  id: 'msg_01VercelCalls',
  content: [
    { type: 'text', text: LEAD },
    { type: 'tool_use', id: WEATHER_ID, name: 'get_weather', input: { city: 'Lisbon' } },
    { type: 'tool_use', id: TIME_ID, name: 'get_time', input: { timezone: 'Europe/Lisbon' } },
  ],
  stop_reason: 'tool_use',
  usage: { input_tokens: 300, output_tokens: 80 },
})

const finalMessage = anthropicMessage({
  id: 'msg_01VercelFinal',
  content: [{ type: 'text', text: FINAL }],
  stop_reason: 'end_turn',
  usage: { input_tokens: 450, output_tokens: 18 },
})

const makeTools = () => {
  const calls: { weather: unknown[]; time: unknown[] } = { weather: [], time: [] }
  const tools = {
    get_weather: tool({
      description: 'Current weather in a city',
      inputSchema: jsonSchema<{ city: string }>({
        type: 'object',
        properties: { city: { type: 'string' } },
        required: ['city'],
        additionalProperties: false,
      }),
      execute: async (input: { city: string }) => {
        calls.weather.push(input)
        return WEATHER
      },
    }),
    get_time: tool({
      description: 'Current local time in a time zone',
      inputSchema: jsonSchema<{ timezone: string }>({
        type: 'object',
        properties: { timezone: { type: 'string' } },
        required: ['timezone'],
        additionalProperties: false,
      }),
      execute: async (input: { timezone: string }) => {
        calls.time.push(input)
        return '09:30'
      },
    }),
  }
  return { calls, tools }
}

/** The second upstream request carries the calls, then their results first in the next user turn. */
const expectToolRoundTrip = () => {
  expect(gw.mock.requests).toHaveLength(2)
  expect(gw.mock.requests[0]?.body.tools?.map((t) => t.name)).toEqual(['get_weather', 'get_time'])
  const second = gw.mock.requests[1]?.body
  expect(second?.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user'])
  expect(second?.messages[1]?.content).toEqual([
    { type: 'text', text: LEAD },
    { type: 'tool_use', id: WEATHER_ID, name: 'get_weather', input: { city: 'Lisbon' } },
    { type: 'tool_use', id: TIME_ID, name: 'get_time', input: { timezone: 'Europe/Lisbon' } },
  ])
  const results = second?.messages[2]?.content as unknown[]
  expect(results.slice(0, 2)).toEqual([
    { type: 'tool_result', tool_use_id: WEATHER_ID, content: JSON.stringify(WEATHER) },
    // A string output goes as text; an object output as its JSON.
    { type: 'tool_result', tool_use_id: TIME_ID, content: '09:30' },
  ])
}

const expectUsage = (usage: { inputTokens: number | undefined; outputTokens: number | undefined; totalTokens: number | undefined }) => {
  expect(usage.inputTokens).toBe(300 + 450)
  expect(usage.outputTokens).toBe(80 + 18)
  expect(usage.totalTokens).toBe(300 + 450 + 80 + 18)
}

describe('Vercel AI SDK (openai-compatible provider) through the gateway', () => {
  test('generateText: tool calls with execute, then the final answer (stepCountIs)', async () => {
    gw.mock.reply({ kind: 'message', message: toolUseMessage }, { kind: 'message', message: finalMessage })
    const { calls, tools } = makeTools()
    const result = await generateText({
      model: provider.chatModel(MODEL),
      system: 'Answer with the tools.',
      prompt: 'Weather and time in Lisbon?',
      tools,
      stopWhen: stepCountIs(4),
      maxRetries: 0,
      abortSignal: AbortSignal.timeout(8000),
    })

    expect(result.text).toBe(FINAL)
    expect(result.finishReason).toBe('stop')
    expect(result.steps).toHaveLength(2)
    expect(result.steps[0]?.finishReason).toBe('tool-calls')
    expect(result.steps[0]?.text).toBe(LEAD)
    expect(result.steps[0]?.toolCalls.map((c) => [c.toolCallId, c.toolName, c.input])).toEqual([
      [WEATHER_ID, 'get_weather', { city: 'Lisbon' }],
      [TIME_ID, 'get_time', { timezone: 'Europe/Lisbon' }],
    ])
    expect(result.steps[0]?.toolResults.map((r) => [r.toolCallId, r.output])).toEqual([
      [WEATHER_ID, WEATHER],
      [TIME_ID, '09:30'],
    ])
    expect(calls.weather).toEqual([{ city: 'Lisbon' }])
    expect(calls.time).toEqual([{ timezone: 'Europe/Lisbon' }])
    expect(result.steps[1]?.usage.inputTokens).toBe(450)
    expect(result.steps[1]?.usage.outputTokens).toBe(18)
    expectUsage(result.totalUsage)

    expect(gw.mock.requests[1]?.body.system).toEqual([{ type: 'text', text: 'Answer with the tools.' }])
    expectToolRoundTrip()
  })

  test('streamText: streamed tool calls with execute, then the streamed final answer', async () => {
    gw.mock.reply({ kind: 'message', message: toolUseMessage, chunkSize: 5 }, { kind: 'message', message: finalMessage, chunkSize: 6 })
    const { calls, tools } = makeTools()
    const errors: unknown[] = []
    const result = streamText({
      model: provider.chatModel(MODEL),
      prompt: 'Weather and time in Lisbon?',
      tools,
      stopWhen: stepCountIs(4),
      maxRetries: 0,
      abortSignal: AbortSignal.timeout(8000),
      onError: ({ error }) => {
        errors.push(error)
      },
    })

    const parts: string[] = []
    let streamedText = ''
    for await (const part of result.fullStream) {
      parts.push(part.type)
      if (part.type === 'text-delta') streamedText += part.text
    }
    expect(errors).toEqual([])
    expect(streamedText).toBe(LEAD + FINAL)
    expect(parts.filter((p) => p === 'tool-call')).toHaveLength(2)
    expect(parts.filter((p) => p === 'tool-result')).toHaveLength(2)
    expect(parts.filter((p) => p === 'finish-step')).toHaveLength(2)

    expect(await result.text).toBe(FINAL)
    expect(await result.finishReason).toBe('stop')
    const steps = await result.steps
    expect(steps).toHaveLength(2)
    expect(steps[0]?.finishReason).toBe('tool-calls')
    expect(steps[0]?.toolCalls.map((c) => [c.toolCallId, c.toolName, c.input])).toEqual([
      [WEATHER_ID, 'get_weather', { city: 'Lisbon' }],
      [TIME_ID, 'get_time', { timezone: 'Europe/Lisbon' }],
    ])
    expect(steps[0]?.toolResults.map((r) => [r.toolCallId, r.output])).toEqual([
      [WEATHER_ID, WEATHER],
      [TIME_ID, '09:30'],
    ])
    expect(calls.weather).toEqual([{ city: 'Lisbon' }])
    expect(calls.time).toEqual([{ timezone: 'Europe/Lisbon' }])
    expectUsage(await result.totalUsage)

    expect(gw.mock.requests.every((r) => r.body.stream === true)).toBe(true)
    expectToolRoundTrip()
  })
})
