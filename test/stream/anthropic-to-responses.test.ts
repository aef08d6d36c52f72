import { describe, expect, test } from 'bun:test'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { ResponseStream } from 'openai/lib/responses/ResponseStream'
import type { Message } from '../../src/anthropic/response-schema.ts'
import { OpenAIError } from '../../src/errors/openai-error.ts'
import { fromEncryptedReasoning } from '../../src/mapping/reasoning-payload.ts'
import { JSON_TOOL_NAME } from '../../src/mapping/to-anthropic-response-format.ts'
import { toResponsesOutput } from '../../src/mapping/to-responses-output.ts'
import { sseFrame, toStreamEvents } from '../../src/mock-upstream/mock-replies.ts'
import { ResponseStreamEvent } from '../../src/openai/responses-schema.ts'
import { toResponsesEventStream } from '../../src/routes/answer-responses-stream.ts'
import type { ResponsesStreamOutcome } from '../../src/stream/anthropic-to-responses.ts'
import { anthropicMessage } from '../support/anthropic-message.ts'
import { fixtureEvents, fixtureJson, fixtureText } from '../support/fixtures.ts'
import { MALFORMED_UPSTREAM_EVENTS } from '../support/malformed-upstream.ts'
import { responseEvents, responsesContent, responsesContext, runResponsesStream, type SentEvent, SKELETON } from '../support/responses.ts'
import { openTestStream, splitAt, TEST_STREAM_SETTINGS } from '../support/stream-pipeline.ts'

const isEvent = TypeCompiler.Compile(ResponseStreamEvent)
const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed'])
const FULL = { summary: true, includeEncryptedReasoning: true }

/** The rules every client checks (responses-api.md §5, "What clients check"). */
const expectWellFormed = (events: readonly SentEvent[]) => {
  expect(events.map((e) => e.data.sequence_number)).toEqual(events.map((_, n) => n))
  for (const { event, data } of events) {
    expect(data.type).toBe(event)
    if (!isEvent.Check(data)) throw new Error(`not a Responses event: ${JSON.stringify(data)}`)
  }
  expect(events.slice(0, 2).map((e) => e.event)).toEqual(['response.created', 'response.in_progress'])
  expect(events[0]?.data.response).toMatchObject({ id: SKELETON.id, status: 'in_progress', output: [], usage: null })
  expect(events.filter((e) => TERMINAL.has(e.event))).toHaveLength(1)
  const terminal = events.at(-1) as SentEvent
  expect(TERMINAL.has(terminal.event)).toBe(true)
  const added: { id: string; type: string; call_id?: string }[] = []
  const done: unknown[] = []
  for (const { event, data } of events) {
    if (event === 'response.output_item.added') {
      expect(data.output_index).toBe(added.length)
      added.push(data.item)
    } else if (event === 'response.output_item.done') {
      const item = added[data.output_index]
      expect(data.item).toMatchObject({ id: item?.id, type: item?.type, ...(item?.call_id ? { call_id: item.call_id } : {}) })
      done[data.output_index] = data.item
    } else if ('item_id' in data) {
      expect(data.item_id).toBe(added[data.output_index]?.id as string)
      expect(done[data.output_index]).toBeUndefined()
    }
  }
  const response = terminal.data.response
  expect(response.usage).toMatchObject({ input_tokens: expect.any(Number), output_tokens: expect.any(Number), total_tokens: expect.any(Number) })
  if (terminal.event !== 'response.failed') {
    expect(done).toHaveLength(added.length)
    expect(response.output).toEqual(done)
  }
  return response
}

/** The events as newline-delimited JSON, the form the SDK's ResponseStream.fromReadableStream reads. */
const sdkFinalResponse = (events: readonly SentEvent[]) => {
  const lines = events.map((e) => `${JSON.stringify(e.data)}\n`).join('')
  return ResponseStream.fromReadableStream(new Response(lines).body as ReadableStream).finalResponse()
}

const RECORDED = ['text', 'text-unpadded', 'tool-use', 'parallel-tools', 'thinking-tool', 'redacted-thinking', 'refusal']

describe('recorded Anthropic streams → Responses events', () => {
  test.each(RECORDED)('%s: well-formed, and the items the JSON answer would have for the same Message', async (name) => {
    const { events, outcome } = await runResponsesStream([fixtureText(`anthropic/${name}.sse`)], { context: responsesContext(FULL) })
    const response = expectWellFormed(events)
    const message = outcome?.message as Message
    expect(outcome?.response).toEqual(response)
    const json = toResponsesOutput(message, responsesContext(FULL))
    expect(response).toMatchObject({ output: json.output, usage: json.usage, status: json.status, incomplete_details: json.incomplete_details })
    expect(response).toMatchObject({ id: SKELETON.id, model: SKELETON.model, object: 'response', error: null })
  })

  test('text: the deltas join to the recorded text, in one message item', async () => {
    const { events } = await runResponsesStream([fixtureText('anthropic/text.sse')])
    const recorded = fixtureEvents('anthropic/text.sse')
      .flatMap((e) => (e.type === 'content_block_delta' ? [(e.delta as { text: string }).text] : []))
      .join('')
    const deltas = events.filter((e) => e.event === 'response.output_text.delta').map((e) => e.data.delta)
    expect(deltas.join('')).toBe(recorded)
    expect(events.find((e) => e.event === 'response.output_text.done')?.data.text).toBe(recorded)
    expect(events.at(-1)?.data.response.output).toEqual([
      { type: 'message', id: 'msg_1', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: recorded, annotations: [] }] },
    ])
  })

  test('parallel tools without arguments: each call done with arguments {} and its name', async () => {
    const { events } = await runResponsesStream([fixtureText('anthropic/parallel-tools.sse')])
    const done = events.filter((e) => e.event === 'response.function_call_arguments.done').map((e) => e.data)
    expect(done.map((d) => [d.item_id, d.arguments])).toEqual([
      ['fc_1', '{}'],
      ['fc_2', '{}'],
    ])
    expect(done.map((d) => d.name)).toEqual(['pelican_name_generator', 'pelican_name_generator'])
  })

  test('tool arguments stream as deltas that join to the recorded fragments', async () => {
    const { events } = await runResponsesStream([fixtureText('anthropic/tool-use.sse')])
    const fragments = fixtureEvents('anthropic/tool-use.sse')
      .flatMap((e) => ((e.delta as { partial_json?: string })?.partial_json ? [(e.delta as { partial_json: string }).partial_json] : []))
      .join('')
    const deltas = events.filter((e) => e.event === 'response.function_call_arguments.delta').map((e) => e.data.delta)
    expect(deltas.join('')).toBe(fragments)
    expect(JSON.parse(events.find((e) => e.event === 'response.function_call_arguments.done')?.data.arguments)).toEqual(JSON.parse(fragments))
  })

  test('thinking: summary events only when asked; the signature rides in encrypted_content', async () => {
    const plain = await runResponsesStream([fixtureText('anthropic/thinking-tool.sse')])
    expect(plain.events.some((e) => e.event.startsWith('response.reasoning_summary'))).toBe(false)
    expect(plain.events.at(-1)?.data.response.output[0]).toEqual({ type: 'reasoning', id: 'rs_1', summary: [] })

    const full = await runResponsesStream([fixtureText('anthropic/thinking-tool.sse')], { context: responsesContext(FULL) })
    const names = full.events.map((e) => e.event).filter((e) => e.startsWith('response.reasoning_summary'))
    expect(names[0]).toBe('response.reasoning_summary_part.added')
    expect(names.slice(-2)).toEqual(['response.reasoning_summary_text.done', 'response.reasoning_summary_part.done'])
    const reasoning = full.events.at(-1)?.data.response.output[0]
    const thinking = full.outcome?.message?.content[0] as { thinking: string; signature: string }
    expect(reasoning.summary).toEqual([{ type: 'summary_text', text: thinking.thinking }])
    expect(thinking.signature).toStartWith('EoQDCm0IDhgC')
    expect(fromEncryptedReasoning(reasoning.encrypted_content)).toEqual({ type: 'thinking', ...thinking })
  })

  test('redacted thinking: reasoning items whose encrypted_content holds the data', async () => {
    const { events } = await runResponsesStream([fixtureText('anthropic/redacted-thinking.sse')], { context: responsesContext(FULL) })
    const reasoning = events.at(-1)?.data.response.output.filter((item: { type: string }) => item.type === 'reasoning')
    expect(reasoning).toHaveLength(2)
    for (const item of reasoning) expect(fromEncryptedReasoning(item.encrypted_content)).toMatchObject({ type: 'redacted_thinking' })
  })

  test('refusal: response.incomplete for content_filter, the explanation in a refusal part', async () => {
    const { events } = await runResponsesStream([fixtureText('anthropic/refusal.sse')])
    const explanation = (fixtureEvents('anthropic/refusal.sse').find((e) => e.type === 'message_delta')!.delta as { stop_details: { explanation: string } })
      .stop_details.explanation
    expect(events.find((e) => e.event === 'response.refusal.done')?.data.refusal).toBe(explanation)
    expect(events.at(-1)).toMatchObject({
      event: 'response.incomplete',
      data: {
        response: {
          status: 'incomplete',
          incomplete_details: { reason: 'content_filter' },
          output: [{ type: 'message', id: 'msg_1', status: 'completed', content: [{ type: 'refusal', refusal: explanation }] }],
        },
      },
    })
    expect((await sdkFinalResponse(events)).output).toMatchObject(events.at(-1)?.data.response.output)
  })

  test('blocks the upstream leaves open at message_stop are done before the terminal event', async () => {
    const events = fixtureEvents('anthropic/tool-use.sse').filter((e) => e.type !== 'content_block_stop')
    const { events: sent } = await runResponsesStream(events.map(sseFrame))
    expect(expectWellFormed(sent).output.map((item: { type: string }) => item.type)).toEqual(['message', 'function_call'])
    expect((await sdkFinalResponse(sent)).status).toBe('completed')
  })

  test('the openai SDK accumulates the stream to the terminal response', async () => {
    for (const name of ['text', 'tool-use', 'parallel-tools', 'thinking-tool']) {
      const { events } = await runResponsesStream([fixtureText(`anthropic/${name}.sse`)], { context: responsesContext(FULL) })
      const final = await sdkFinalResponse(events)
      // The SDK adds its own `parsed` fields; everything sent must be there as sent.
      expect(final.output).toMatchObject(events.at(-1)?.data.response.output)
      expect(final.id).toBe(SKELETON.id)
    }
  })

  test('what the client reads is the same for every split point of every recorded stream, each split well formed', async () => {
    for (const name of [...RECORDED, 'error-mid-stream', 'error-mid-stream-observed']) {
      const bytes = new TextEncoder().encode(fixtureText(`anthropic/${name}.sse`))
      const run = async (chunks: Uint8Array[]) => responseEvents((await runResponsesStream(chunks, { context: responsesContext(FULL) })).text)
      const whole = await run([bytes])
      expectWellFormed(whole)
      // As JSON text: stricter than toEqual (member order counts too), and far faster on these sizes.
      const wholeContent = JSON.stringify(responsesContent(whole))
      for (let i = 1; i < bytes.length; i++) {
        const split = await run(splitAt(bytes, [i]))
        expectWellFormed(split)
        expect(JSON.stringify(responsesContent(split))).toBe(wholeContent)
      }
    }
  }, 120_000)

  test('deltas of one item in one upstream read are one delta event; deltas of later reads are not held back', async () => {
    const events = fixtureEvents('anthropic/text.sse').map(sseFrame)
    const textDeltas = events.filter((frame) => frame.includes('"text_delta"')).length
    expect(textDeltas).toBeGreaterThan(1)
    const deltaEvents = (sent: readonly SentEvent[]) => sent.filter((e) => e.event === 'response.output_text.delta').length
    const oneRead = (await runResponsesStream([events.join('')])).events
    expect(deltaEvents(oneRead)).toBe(1)
    const readPerEvent = (await runResponsesStream(events)).events
    expect(deltaEvents(readPerEvent)).toBe(textDeltas)
    expect(responsesContent(readPerEvent).map((e) => ({ ...e, data: { ...e.data, item_id: undefined, item: undefined, response: undefined } }))).toEqual(
      responsesContent(oneRead).map((e) => ({ ...e, data: { ...e.data, item_id: undefined, item: undefined, response: undefined } })),
    )
  })
})

describe('Messages the recordings lack, streamed as the API streams them', () => {
  const streamOf = (message: Message) => toStreamEvents(message, { chunkSize: 5 }).map(sseFrame)

  test('a custom tool call: custom_tool_call_input events and the input string; a namespace tool under its names', async () => {
    const message = anthropicMessage({
      id: 'msg_up',
      stop_reason: 'tool_use',
      content: [
        { type: 'tool_use', id: 'toolu_1', name: 'apply_patch', input: { input: '*** Begin Patch\n*** End Patch' } },
        { type: 'tool_use', id: 'toolu_2', name: 'mcp__fs__read', input: { path: 'README.md' } },
      ],
    })
    const context = () =>
      responsesContext({
        toolNames: new Map([
          ['apply_patch', { type: 'custom', name: 'apply_patch' }],
          ['mcp__fs__read', { type: 'function', name: 'read', namespace: 'mcp__fs' }],
        ]),
      })
    const { events } = await runResponsesStream(streamOf(message), { context: context() })
    const response = expectWellFormed(events)
    expect(response.output).toEqual(toResponsesOutput(message, context()).output)
    expect(events.find((e) => e.event === 'response.custom_tool_call_input.done')?.data.input).toBe('*** Begin Patch\n*** End Patch')
    expect(response.output[1]).toMatchObject({ type: 'function_call', name: 'read', namespace: 'mcp__fs', arguments: '{"path":"README.md"}' })
    expect((await sdkFinalResponse(events)).output).toMatchObject(response.output)
  })

  test('the structured-output tool streams as output_text and ends completed', async () => {
    const message = anthropicMessage({
      id: 'msg_up',
      stop_reason: 'tool_use',
      content: [{ type: 'tool_use', id: 'toolu_1', name: JSON_TOOL_NAME, input: { answer: 42 } }],
    })
    const { events } = await runResponsesStream(streamOf(message), { context: responsesContext({ jsonTool: JSON_TOOL_NAME }) })
    const response = expectWellFormed(events)
    const deltas = events.filter((e) => e.event === 'response.output_text.delta').map((e) => e.data.delta)
    expect(JSON.parse(deltas.join(''))).toEqual({ answer: 42 })
    expect(events.some((e) => e.event.startsWith('response.function_call'))).toBe(false)
    expect(response).toMatchObject({ status: 'completed', output: [{ type: 'message', content: [{ text: '{"answer":42}' }] }] })
  })

  test('web search: a web_search_call item with its query, then the answer', async () => {
    const message = anthropicMessage({
      id: 'msg_up',
      stop_reason: 'end_turn',
      content: [
        { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'bun 1.4' } } as never,
        { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_1', content: [] } as never,
        { type: 'text', text: 'Bun 1.4 is out.' },
      ],
    })
    const { events, outcome } = await runResponsesStream(streamOf(message))
    const response = expectWellFormed(events)
    expect(response.output.map((item: { type: string }) => item.type)).toEqual(['web_search_call', 'message'])
    expect(response.output[0]).toMatchObject({ status: 'completed', action: { type: 'search', query: 'bun 1.4' } })
    expect(outcome?.message?.content).toEqual(message.content)
  })

  test('max_tokens: response.incomplete for max_output_tokens, with the text so far', async () => {
    const message = anthropicMessage({ id: 'msg_up', stop_reason: 'max_tokens', content: [{ type: 'text', text: 'Once upon a' }] })
    const { events } = await runResponsesStream(streamOf(message))
    expect(expectWellFormed(events)).toMatchObject({
      status: 'incomplete',
      incomplete_details: { reason: 'max_output_tokens' },
      output: [{ content: [{ text: 'Once upon a' }] }],
    })
  })

  test('the recorded non-streamed Messages stream to the items their JSON answer has', async () => {
    for (const name of ['text', 'tool-use', 'parallel-tools', 'thinking-tool']) {
      const message = fixtureJson<Message>(`anthropic/${name}.json`)
      const { events, outcome } = await runResponsesStream(streamOf(message), { context: responsesContext(FULL) })
      const json = toResponsesOutput(message, responsesContext(FULL))
      expect(expectWellFormed(events)).toMatchObject({ output: json.output, status: json.status })
      // The recording carries fields a stream does not (`caller`): everything streamed must match it.
      expect(message.content).toMatchObject(outcome?.message?.content as never)
    }
  })
})

describe('failures after the 200 end in exactly one response.failed', () => {
  test.each(MALFORMED_UPSTREAM_EVENTS)('%s: valid JSON events, then response.failed upstream_bad_response', async (_name, bad) => {
    const events = fixtureEvents('anthropic/text.sse').map(sseFrame)
    const { text, events: sent } = await runResponsesStream([...events.slice(0, 3), bad, ...events.slice(3)])
    for (const frame of text.split('\n\n').filter((f) => f.includes('data: '))) expect(() => JSON.parse(frame.slice(frame.indexOf('data: ') + 6))).not.toThrow()
    expect(expectWellFormed(sent).error.code).toBe('upstream_bad_response')
  })

  test('an error event: response.failed with its code, the items done so far and the usage', async () => {
    const { events, outcome } = await runResponsesStream([fixtureText('anthropic/error-mid-stream.sse')])
    const response = expectWellFormed(events)
    expect(events.at(-1)?.event).toBe('response.failed')
    expect(response).toMatchObject({ status: 'failed', error: { code: 'overloaded', message: 'Overloaded' }, incomplete_details: null })
    expect(outcome?.error?.code).toBe('overloaded')
    expect(outcome?.response).toEqual(response)
  })

  test('a stream cut before message_stop: stream_incomplete, even after message_delta', async () => {
    const events = fixtureEvents('anthropic/tool-use.sse').filter((e) => e.type !== 'message_stop')
    const { events: sent } = await runResponsesStream(events.map(sseFrame))
    const response = expectWellFormed(sent)
    expect(response.error.code).toBe('stream_incomplete')
    expect(response.output.map((item: { type: string }) => item.type)).toEqual(['message', 'function_call'])
  })

  test('an event that is not JSON: upstream_bad_response', async () => {
    const events = fixtureEvents('anthropic/text.sse').slice(0, 3).map(sseFrame)
    const { events: sent } = await runResponsesStream([...events, 'event: content_block_delta\ndata: {not json\n\n'])
    expect(expectWellFormed(sent).error.code).toBe('upstream_bad_response')
  })

  test('tool input that is not JSON: upstream_bad_response, never a call with broken arguments', async () => {
    const frames = [
      { type: 'message_start', message: anthropicMessage({ id: 'm', content: [], stop_reason: null }) },
      { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_1', name: 'f', input: {} } },
      { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"a":' } },
      { type: 'content_block_stop', index: 0 },
    ].map((e) => sseFrame(e as never))
    const { events } = await runResponsesStream(frames)
    expect(expectWellFormed(events).error.code).toBe('upstream_bad_response')
    expect(events.some((e) => e.event === 'response.output_item.done')).toBe(false)
  })

  test('upstream silence past UPSTREAM_TIMEOUT: upstream_timeout', async () => {
    const events = fixtureEvents('anthropic/text.sse').map(sseFrame)
    const { events: sent } = await runResponsesStream([...events.slice(0, 4), 400, ...events.slice(4)], { idleTimeoutSeconds: 0.1 })
    expect(expectWellFormed(sent).error.code).toBe('upstream_timeout')
  })

  test('a drain (abortWith) ends a stream in flight with response.failed carrying its code', async () => {
    const events = fixtureEvents('anthropic/text.sse').map(sseFrame)
    const opened = await openTestStream([...events.slice(0, 4), 5_000, ...events.slice(4)])
    const { stage, frames } = toResponsesEventStream({
      opened,
      skeleton: SKELETON,
      context: responsesContext(),
      settings: TEST_STREAM_SETTINGS,
      onEnd: () => {},
    })
    setTimeout(() => stage.abortWith(new OpenAIError({ status: 503, type: 'server_error', code: 'shutting_down', message: 'draining' })), 50)
    const sent = responseEvents(await new Response(frames).text())
    expect(expectWellFormed(sent).error.code).toBe('shutting_down')
  })

  test('the client going away: no terminal event, onEnd says client_closed', async () => {
    const events = fixtureEvents('anthropic/text.sse').map(sseFrame)
    const opened = await openTestStream([...events.slice(0, 4), 5_000, ...events.slice(4)])
    let outcome: ResponsesStreamOutcome | undefined
    const { frames } = toResponsesEventStream({
      opened,
      skeleton: SKELETON,
      context: responsesContext(),
      settings: TEST_STREAM_SETTINGS,
      onEnd: (o) => {
        outcome = o
      },
    })
    const reader = frames.getReader()
    await reader.read()
    await reader.cancel()
    await Bun.sleep(10)
    expect(outcome).toMatchObject({ response: undefined, error: { code: 'client_closed' } })
  })
})

describe('the store write before the terminal event', () => {
  test('the terminal event leaves only after beforeTerminal resolved, with the response and the Message', async () => {
    let stored: { response: unknown; message: Message } | undefined
    let storedBeforeTerminal = false
    const opened = await openTestStream([fixtureText('anthropic/thinking-tool.sse')])
    const { frames } = toResponsesEventStream({
      opened,
      skeleton: SKELETON,
      context: responsesContext(FULL),
      settings: TEST_STREAM_SETTINGS,
      beforeTerminal: async (response, message) => {
        await Bun.sleep(30)
        stored = { response, message }
      },
      onEnd: () => {},
    })
    let text = ''
    const decoder = new TextDecoder()
    for await (const chunk of frames) {
      const piece = decoder.decode(chunk, { stream: true })
      if (piece.includes('event: response.completed')) storedBeforeTerminal = stored !== undefined
      text += piece
    }
    expect(storedBeforeTerminal).toBe(true)
    const events = responseEvents(text)
    expect(stored?.response).toEqual(expectWellFormed(events))
    expect(stored?.message.content.map((b) => b.type)).toEqual(['thinking', 'tool_use'])
    expect(stored?.message).toMatchObject({ id: 'msg_01JdU4xqNHXL9QCFWkwCDKGr', stop_reason: 'tool_use' })
  })

  test('a store that fails: response.failed with store_unavailable instead of response.completed', async () => {
    const { events, outcome } = await runResponsesStream([fixtureText('anthropic/text.sse')], {
      beforeTerminal: () => Promise.reject(new Error('connection refused')),
    })
    const response = expectWellFormed(events)
    expect(events.some((e) => e.event === 'response.completed')).toBe(false)
    expect(response).toMatchObject({ status: 'failed', error: { code: 'store_unavailable' } })
    expect(response.output).toHaveLength(1)
    expect(outcome?.error?.code).toBe('store_unavailable')
  })
})

test('heartbeat: a keep-alive comment while the upstream is silent; upstream pings become comments', async () => {
  const events = fixtureEvents('anthropic/text.sse').map(sseFrame)
  const { text, events: sent } = await runResponsesStream([...events.slice(0, 3), 150, ...events.slice(3)], { heartbeatMs: 40 })
  expect(text).toContain(': keep-alive\n\n')
  expect(text).toContain(': ping\n\n')
  expectWellFormed(sent)
})
