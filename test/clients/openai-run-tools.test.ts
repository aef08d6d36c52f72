import { describe, expect, test } from 'bun:test'
import type OpenAI from 'openai'
import type { RunnableToolFunctionWithParse } from 'openai/lib/RunnableFunction'
import { anthropicMessage } from '../support/anthropic-message.ts'
import { openAISuite } from '../support/openai-suite.ts'

/**
 * The `openai` SDK's tool runner (`chat.completions.runTools`) drives a two-step tool loop through
 * the gateway: the scripted upstream asks for two tools in parallel, the SDK runs them and sends
 * their results back, the upstream answers with text. The mock validates the second request like
 * the real API, so a broken tool_use / tool_result translation fails here with the API's 400.
 */

const suite = openAISuite()

const MODEL = 'claude-sonnet-4-5'
const WEATHER_ID = 'toolu_01A09q90qw90lq917835lq9'
const TIME_ID = 'toolu_01T1x1fJ34qAmk2tNTrN7Up6'
const FINAL = 'It is 18°C and cloudy in Paris, where it is 14:05.'
const LEAD = 'Let me look up the weather and the time.'

const usage = { input_tokens: 412, output_tokens: 96 }

const toolUseMessage = (lead?: string) =>
  anthropicMessage({
    id: 'msg_01RunToolsCalls',
    content: [
      ...(lead ? [{ type: 'text' as const, text: lead }] : []),
      { type: 'tool_use', id: WEATHER_ID, name: 'get_weather', input: { city: 'Paris', unit: 'celsius' } },
      { type: 'tool_use', id: TIME_ID, name: 'get_time', input: { timezone: 'Europe/Paris' } },
    ],
    stop_reason: 'tool_use',
    usage,
  })

const finalMessage = anthropicMessage({
  id: 'msg_01RunToolsFinal',
  content: [{ type: 'text', text: FINAL }],
  stop_reason: 'end_turn',
  usage: { input_tokens: 530, output_tokens: 21 },
})

type WeatherArgs = { city: string; unit: 'celsius' | 'fahrenheit' }
type TimeArgs = { timezone: string }

const WEATHER_RESULT = { city: 'Paris', temperature: 18, unit: 'celsius', sky: 'cloudy' }
const TIME_RESULT = '14:05'

/** Two runnable tools that record what the runner called them with. */
const makeTools = () => {
  const calls: { weather: WeatherArgs[]; time: TimeArgs[] } = { weather: [], time: [] }
  const weather: RunnableToolFunctionWithParse<WeatherArgs> = {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Current weather in a city',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
        required: ['city', 'unit'],
      },
      parse: (input) => JSON.parse(input) as WeatherArgs,
      function: (args) => {
        calls.weather.push(args)
        return WEATHER_RESULT
      },
    },
  }
  const time: RunnableToolFunctionWithParse<TimeArgs> = {
    type: 'function',
    function: {
      name: 'get_time',
      description: 'Current local time in a time zone',
      parameters: { type: 'object', properties: { timezone: { type: 'string' } }, required: ['timezone'] },
      parse: (input) => JSON.parse(input) as TimeArgs,
      function: (args) => {
        calls.time.push(args)
        return TIME_RESULT
      },
    },
  }
  return { calls, tools: [weather, time] }
}

const messages: OpenAI.ChatCompletionMessageParam[] = [
  { role: 'system', content: 'Use the tools.' },
  { role: 'user', content: 'Weather and time in Paris?' },
]

/** What the second upstream request must carry: the calls, then their results first in the next user turn. */
const expectToolRoundTrip = (lead?: string) => {
  expect(suite.gw.mock.requests).toHaveLength(2)
  const first = suite.gw.mock.requests[0]?.body
  expect(first?.tools?.map((tool) => tool.name)).toEqual(['get_weather', 'get_time'])

  const second = suite.gw.mock.requests[1]?.body
  expect(second?.system).toEqual([{ type: 'text', text: 'Use the tools.' }])
  expect(second?.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user'])
  expect(second?.messages[0]?.content).toEqual([{ type: 'text', text: 'Weather and time in Paris?' }])
  expect(second?.messages[1]?.content).toEqual([
    ...(lead ? [{ type: 'text' as const, text: lead }] : []),
    { type: 'tool_use', id: WEATHER_ID, name: 'get_weather', input: { city: 'Paris', unit: 'celsius' } },
    { type: 'tool_use', id: TIME_ID, name: 'get_time', input: { timezone: 'Europe/Paris' } },
  ])
  const results = second?.messages[2]?.content
  expect(Array.isArray(results)).toBe(true)
  expect((results as unknown[]).slice(0, 2)).toEqual([
    { type: 'tool_result', tool_use_id: WEATHER_ID, content: JSON.stringify(WEATHER_RESULT) },
    { type: 'tool_result', tool_use_id: TIME_ID, content: TIME_RESULT },
  ])
}

describe('openai SDK runTools through the gateway', () => {
  test('non-streaming: two parallel tool calls, then the final answer', async () => {
    suite.gw.mock.reply({ kind: 'message', message: toolUseMessage() }, { kind: 'message', message: finalMessage })
    const { calls, tools } = makeTools()
    const runner = suite.client.chat.completions.runTools({ model: MODEL, messages, tools })
    const content = await runner.finalContent()

    expect(content).toBe(FINAL)
    expect(calls.weather).toEqual([{ city: 'Paris', unit: 'celsius' }])
    expect(calls.time).toEqual([{ timezone: 'Europe/Paris' }])

    const completions = runner.allChatCompletions()
    expect(completions).toHaveLength(2)
    expect(completions[0]?.choices[0]?.finish_reason).toBe('tool_calls')
    expect(completions[0]?.choices[0]?.message.tool_calls?.map((call) => call.id)).toEqual([WEATHER_ID, TIME_ID])
    expect(completions[1]?.choices[0]?.finish_reason).toBe('stop')
    const total = await runner.totalUsage()
    expect(total.prompt_tokens).toBe(412 + 530)
    expect(total.completion_tokens).toBe(96 + 21)

    expectToolRoundTrip()
    expect(suite.gw.mock.requests[1]?.body.stream).toBeFalsy()
  })

  test('streaming: two parallel tool calls, then the final answer streamed', async () => {
    suite.gw.mock.reply({ kind: 'message', message: toolUseMessage() }, { kind: 'message', message: finalMessage })
    const { calls, tools } = makeTools()
    const runner = suite.client.chat.completions.runTools({ model: MODEL, messages, tools, stream: true })
    let streamed = ''
    runner.on('content', (delta) => {
      streamed += delta
    })
    const content = await runner.finalContent()

    expect(content).toBe(FINAL)
    expect(streamed).toBe(FINAL)
    expect(calls.weather).toEqual([{ city: 'Paris', unit: 'celsius' }])
    expect(calls.time).toEqual([{ timezone: 'Europe/Paris' }])
    expect(suite.gw.mock.requests.every((request) => request.body.stream === true)).toBe(true)
    expectToolRoundTrip()
  })

  test('non-streaming: text before the tool calls is kept in the assistant turn', async () => {
    suite.gw.mock.reply({ kind: 'message', message: toolUseMessage(LEAD) }, { kind: 'message', message: finalMessage })
    const { calls, tools } = makeTools()
    const runner = suite.client.chat.completions.runTools({ model: MODEL, messages, tools })
    expect(await runner.finalContent()).toBe(FINAL)
    expect(calls.weather).toHaveLength(1)
    expect(calls.time).toHaveLength(1)
    expect(runner.allChatCompletions()[0]?.choices[0]?.message.content).toBe(LEAD)
    expectToolRoundTrip(LEAD)
  })

  test('streaming: text deltas, then tool_calls at index 0 and 1, then the final answer', async () => {
    suite.gw.mock.reply({ kind: 'message', message: toolUseMessage(LEAD), chunkSize: 7 }, { kind: 'message', message: finalMessage })
    const { calls, tools } = makeTools()
    const runner = suite.client.chat.completions.runTools({ model: MODEL, messages, tools, stream: true })
    /** The first completion's chunks, as the SDK received them. */
    const firstChunks: OpenAI.ChatCompletionChunk[] = []
    let completionsSeen = 0
    runner.on('chunk', (chunk) => {
      if (completionsSeen === 0) firstChunks.push(chunk)
    })
    runner.on('chatCompletion', () => {
      completionsSeen++
    })
    expect(await runner.finalContent()).toBe(FINAL)

    const deltas = firstChunks.flatMap((chunk) => (chunk.choices[0] ? [chunk.choices[0].delta] : []))
    const firstToolDelta = deltas.findIndex((delta) => delta.tool_calls !== undefined)
    const textDeltas = deltas.filter((delta) => delta.content)
    // Deltas that arrive in one upstream read may come as one chunk (wire doc §3.5).
    expect(textDeltas.length).toBeGreaterThan(0)
    expect(textDeltas.map((delta) => delta.content).join('')).toBe(LEAD)
    expect(firstToolDelta).toBeGreaterThan(deltas.lastIndexOf(textDeltas.at(-1) as (typeof deltas)[number]))
    const toolDeltas = deltas.flatMap((delta) => delta.tool_calls ?? [])
    expect([...new Set(toolDeltas.map((call) => call.index))]).toEqual([0, 1])
    expect(toolDeltas.filter((call) => call.id).map((call) => [call.index, call.id, call.function?.name])).toEqual([
      [0, WEATHER_ID, 'get_weather'],
      [1, TIME_ID, 'get_time'],
    ])
    const argumentsOf = (index: number) =>
      toolDeltas
        .filter((call) => call.index === index)
        .map((call) => call.function?.arguments ?? '')
        .join('')
    expect(JSON.parse(argumentsOf(0))).toEqual({ city: 'Paris', unit: 'celsius' })
    expect(JSON.parse(argumentsOf(1))).toEqual({ timezone: 'Europe/Paris' })
    const finishes = firstChunks.flatMap((chunk) => (chunk.choices[0]?.finish_reason ? [chunk.choices[0].finish_reason] : []))
    expect(finishes).toEqual(['tool_calls'])

    const assistant = runner.messages.find((m) => m.role === 'assistant')
    expect(assistant?.content).toBe(LEAD)
    expect(calls.weather).toEqual([{ city: 'Paris', unit: 'celsius' }])
    expect(calls.time).toEqual([{ timezone: 'Europe/Paris' }])
    expectToolRoundTrip(LEAD)
  })
})
