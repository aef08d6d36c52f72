import { describe, expect, test } from 'bun:test'
import type OpenAI from 'openai'
import type { RunnableToolFunctionWithParse } from 'openai/lib/RunnableFunction'
import { anthropicMessage } from '../support/anthropic-message.ts'
import { openAISuite } from '../support/openai-suite.ts'

/**
 * Thinking + tools through the `openai` SDK: the signed thinking block comes out as the
 * `reasoning_content` / `thinking_blocks` extension fields, and a client that sends them back with
 * its tool result gets a second upstream request that keeps thinking on, opened by the same signed
 * block (the API's rule for a tool loop while thinking).
 */

const suite = openAISuite()

const MODEL = 'claude-sonnet-4-5'
const TOOL_ID = 'toolu_01ThinkWeather7uXq3b'
const THINKING = 'The user wants the weather in Oslo. I should call get_weather with city Oslo.'
const SIGNATURE = 'EqQBCkYIBRgCKkBthinkingSignatureMock0123456789abcdefEgwQk1Mm9d3YQ0=='
const FINAL = 'Oslo is at 4°C with light snow.'
const WEATHER = { city: 'Oslo', temperature: 4, sky: 'light snow' }

const thinkingToolMessage = anthropicMessage({
  id: 'msg_01ThinkToolCall',
  content: [
    { type: 'thinking', thinking: THINKING, signature: SIGNATURE },
    { type: 'tool_use', id: TOOL_ID, name: 'get_weather', input: { city: 'Oslo' } },
  ],
  stop_reason: 'tool_use',
  usage: { input_tokens: 380, output_tokens: 120 },
})

const finalMessage = anthropicMessage({
  id: 'msg_01ThinkToolFinal',
  content: [{ type: 'text', text: FINAL }],
  stop_reason: 'end_turn',
  usage: { input_tokens: 520, output_tokens: 14 },
})

const tools: OpenAI.ChatCompletionTool[] = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Current weather in a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  },
]

const question: OpenAI.ChatCompletionMessageParam = { role: 'user', content: 'What is the weather in Oslo?' }

/** The second upstream request: thinking on, the assistant turn opened by the same signed block, then the result. */
const expectSignedRoundTrip = () => {
  expect(suite.gw.mock.requests).toHaveLength(2)
  expect(suite.gw.mock.requests[0]?.body.thinking).toEqual({ type: 'enabled', budget_tokens: 2048 })
  const second = suite.gw.mock.requests[1]?.body
  expect(second?.thinking).toEqual({ type: 'enabled', budget_tokens: 2048 })
  expect(second?.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user'])
  expect(second?.messages[1]?.content).toEqual([
    { type: 'thinking', thinking: THINKING, signature: SIGNATURE },
    { type: 'tool_use', id: TOOL_ID, name: 'get_weather', input: { city: 'Oslo' } },
  ])
  const results = second?.messages[2]?.content as unknown[]
  expect(results[0]).toEqual({ type: 'tool_result', tool_use_id: TOOL_ID, content: JSON.stringify(WEATHER) })
}

describe('thinking + tools round trip through the openai SDK', () => {
  test('non-streaming: reasoning_content and thinking_blocks out, thinking_blocks back in', async () => {
    suite.gw.mock.reply({ kind: 'message', message: thinkingToolMessage }, { kind: 'message', message: finalMessage })

    const first = await suite.client.chat.completions.create({ model: MODEL, messages: [question], tools, reasoning_effort: 'low' })
    const choice = first.choices[0]
    expect(choice?.finish_reason).toBe('tool_calls')
    const message = choice?.message as any
    expect(message.content).toBeNull()
    expect(message.reasoning_content).toBe(THINKING)
    expect(message.thinking_blocks).toEqual([{ type: 'thinking', thinking: THINKING, signature: SIGNATURE }])
    expect(message.tool_calls).toEqual([{ id: TOOL_ID, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }])

    const call = message.tool_calls[0]
    const second = await suite.client.chat.completions.create({
      model: MODEL,
      reasoning_effort: 'low',
      tools,
      messages: [
        question,
        // The assistant message as received, extension fields included.
        message as OpenAI.ChatCompletionAssistantMessageParam,
        { role: 'tool', tool_call_id: call.id, content: JSON.stringify(WEATHER) },
      ],
    })
    expect(second.choices[0]?.message.content).toBe(FINAL)
    expect(second.choices[0]?.finish_reason).toBe('stop')
    expectSignedRoundTrip()
  })

  test('streaming: reasoning_content deltas + the signature in thinking_blocks, reassembled and sent back', async () => {
    suite.gw.mock.reply({ kind: 'message', message: thinkingToolMessage, chunkSize: 9 }, { kind: 'message', message: finalMessage })

    const stream = await suite.client.chat.completions.create({ model: MODEL, messages: [question], tools, reasoning_effort: 'low', stream: true })
    let reasoning = ''
    let content = ''
    const signatures: string[] = []
    const calls: { id?: string; name?: string; arguments: string }[] = []
    const finishes: string[] = []
    for await (const chunk of stream) {
      const choice = chunk.choices[0]
      if (!choice) continue
      const delta = choice.delta as any
      reasoning += delta.reasoning_content ?? ''
      content += delta.content ?? ''
      for (const block of delta.thinking_blocks ?? []) if (block.signature) signatures.push(block.signature)
      for (const part of choice.delta.tool_calls ?? []) {
        const call = (calls[part.index] ??= { arguments: '' })
        if (part.id) call.id = part.id
        if (part.function?.name) call.name = part.function.name
        call.arguments += part.function?.arguments ?? ''
      }
      if (choice.finish_reason) finishes.push(choice.finish_reason)
    }
    expect(reasoning).toBe(THINKING)
    expect(content).toBe('')
    expect(signatures).toEqual([SIGNATURE])
    expect(finishes).toEqual(['tool_calls'])
    expect(calls).toEqual([{ id: TOOL_ID, name: 'get_weather', arguments: '{"city":"Oslo"}' }])

    const assistant = {
      role: 'assistant',
      content: null,
      tool_calls: calls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } })),
      thinking_blocks: [{ type: 'thinking', thinking: reasoning, signature: signatures[0] }],
    } as OpenAI.ChatCompletionAssistantMessageParam
    const followUp = await suite.client.chat.completions.create({
      model: MODEL,
      reasoning_effort: 'low',
      tools,
      stream: true,
      messages: [question, assistant, { role: 'tool', tool_call_id: TOOL_ID, content: JSON.stringify(WEATHER) }],
    })
    let answer = ''
    for await (const chunk of followUp) answer += chunk.choices[0]?.delta.content ?? ''
    expect(answer).toBe(FINAL)
    expectSignedRoundTrip()
  })

  test('runTools drops thinking_blocks on replay: the gateway turns thinking off for that turn instead of a 400', async () => {
    suite.gw.mock.reply({ kind: 'message', message: thinkingToolMessage }, { kind: 'message', message: finalMessage })
    const seen: { city: string }[] = []
    const weather: RunnableToolFunctionWithParse<{ city: string }> = {
      type: 'function',
      function: {
        name: 'get_weather',
        description: 'Current weather in a city',
        parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        parse: (input) => JSON.parse(input) as { city: string },
        function: (args) => {
          seen.push(args)
          return WEATHER
        },
      },
    }
    const runner = suite.client.chat.completions.runTools({ model: MODEL, messages: [question], tools: [weather], reasoning_effort: 'low' })
    expect(await runner.finalContent()).toBe(FINAL)
    expect(seen).toEqual([{ city: 'Oslo' }])
    expect((runner.allChatCompletions()[0]!.choices[0]!.message as any).reasoning_content).toBe(THINKING)

    expect(suite.gw.mock.requests).toHaveLength(2)
    expect(suite.gw.mock.requests[0]?.body.thinking).toEqual({ type: 'enabled', budget_tokens: 2048 })
    const second = suite.gw.mock.requests[1]?.body
    expect(second?.thinking).toBeUndefined()
    expect(second?.messages[1]?.content).toEqual([{ type: 'tool_use', id: TOOL_ID, name: 'get_weather', input: { city: 'Oslo' } }])
    expect((second!.messages[2]!.content as unknown[])[0]).toEqual({ type: 'tool_result', tool_use_id: TOOL_ID, content: JSON.stringify(WEATHER) })
  })
})
