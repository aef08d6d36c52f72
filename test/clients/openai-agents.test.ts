import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Agent, Runner, setTracingDisabled, tool } from '@openai/agents'
import { OpenAIProvider } from '@openai/agents-openai'
import OpenAI from 'openai'
import { anthropicMessage } from '../support/anthropic-message.ts'
import { CLIENT_KEY, startGateway, type TestGateway } from '../support/test-gateway.ts'

/**
 * The OpenAI Agents SDK (`@openai/agents`, Responses API by default) as the client: an agent with a
 * function tool runs through the gateway to its final output. Tracing is off: it would export to
 * OpenAI.
 */

let gw: TestGateway
let runner: Runner
beforeAll(async () => {
  gw = await startGateway()
  setTracingDisabled(true)
  const openAIClient = new OpenAI({ apiKey: CLIENT_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0, timeout: 5000 })
  runner = new Runner({ modelProvider: new OpenAIProvider({ openAIClient, useResponses: true }) })
})
afterAll(() => gw.stop())

const getWeather = (calls: unknown[]) =>
  tool({
    name: 'get_weather',
    description: 'Current weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
    strict: true,
    execute: async (input) => {
      calls.push(input)
      return 'Oslo: 4°C, snow.'
    },
  })

describe('@openai/agents', () => {
  test.each([false, true])('an agent with a function tool runs to its final output (stream: %p)', async (stream) => {
    gw.mock.reset()
    gw.mock.reply(
      {
        kind: 'message',
        message: anthropicMessage({
          id: 'msg_agent_call',
          content: [{ type: 'tool_use', id: 'toolu_agent', name: 'get_weather', input: { city: 'Oslo' } }],
          stop_reason: 'tool_use',
        }),
      },
      {
        kind: 'message',
        message: anthropicMessage({ id: 'msg_agent_final', content: [{ type: 'text', text: 'It is 4°C with snow in Oslo.' }], stop_reason: 'end_turn' }),
      },
    )
    const calls: unknown[] = []
    const agent = new Agent({ name: 'Weather agent', instructions: 'Answer with the weather tool.', model: 'claude-sonnet-4-5', tools: [getWeather(calls)] })
    const result = stream ? await runner.run(agent, 'Weather in Oslo?', { stream: true }) : await runner.run(agent, 'Weather in Oslo?')
    if (stream && 'completed' in result) await result.completed
    expect(calls).toEqual([{ city: 'Oslo' }])
    expect(result.finalOutput).toBe('It is 4°C with snow in Oslo.')
    const second = gw.mock.requests[1]?.body
    expect(second?.system).toEqual([{ type: 'text', text: 'Answer with the weather tool.' }])
    expect(second?.messages.at(-1)?.content).toEqual([{ type: 'tool_result', tool_use_id: 'toolu_agent', content: 'Oslo: 4°C, snow.' }])
  })
})
