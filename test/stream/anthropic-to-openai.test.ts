import { describe, expect, test } from 'bun:test'
import { sseFrame } from '../../src/mock-upstream/mock-replies.ts'
import { fixtureEvents, fixtureText } from '../support/fixtures.ts'
import { MALFORMED_UPSTREAM_EVENTS } from '../support/malformed-upstream.ts'
import { planFor, runStream, splitAt, streamContent } from '../support/stream-pipeline.ts'
import { sseData, sseJson } from '../support/test-gateway.ts'

const deltas = (text: string) => sseJson(text).flatMap((chunk) => (chunk.choices ? chunk.choices.map((c: { delta: unknown }) => c.delta) : []))
const finishReasons = (text: string) =>
  sseJson(text).flatMap((chunk) => (chunk.choices ?? []).map((c: { finish_reason: string | null }) => c.finish_reason).filter(Boolean))

describe('recorded Anthropic streams → OpenAI chunks', () => {
  test('text: role first, content in order, one finish chunk, [DONE] last; ping becomes a comment', async () => {
    const { text, outcome } = await runStream([fixtureText('anthropic/text.sse')])
    const all = deltas(text)
    expect(all[0]).toEqual({ role: 'assistant', content: '' })
    expect(all.filter((d) => 'role' in d)).toHaveLength(1)
    const content = all.map((d) => d.content ?? '').join('')
    const expected = fixtureEvents('anthropic/text.sse')
      .flatMap((e) => (e.type === 'content_block_delta' ? [(e.delta as { text: string }).text] : []))
      .join('')
    expect(content).toBe(expected)
    expect(finishReasons(text)).toEqual(['stop'])
    expect(text).toContain(': ping\n\n')
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true)
    expect(outcome?.finishReason).toBe('stop')
  })

  test('every chunk shares id, created and model; no usage field without include_usage', async () => {
    const { text } = await runStream([fixtureText('anthropic/text.sse')])
    const chunks = sseJson(text)
    expect(new Set(chunks.map((c) => `${c.id}|${c.created}|${c.model}`))).toEqual(new Set(['chatcmpl-test|1700000000|gpt-4o']))
    expect(chunks.every((c) => !('usage' in c))).toBe(true)
  })

  test('include_usage: usage null on every chunk, then one usage chunk with choices [] before [DONE]', async () => {
    const { text } = await runStream([fixtureText('anthropic/text.sse')], { plan: planFor({ includeUsage: true }) })
    const chunks = sseJson(text)
    const last = chunks.at(-1)
    expect(last.choices).toEqual([])
    expect(last.usage).toEqual({
      prompt_tokens: 17,
      completion_tokens: expect.any(Number),
      total_tokens: 17 + last.usage.completion_tokens,
      prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
    })
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true)
    expect(sseData(text).at(-1)).toBe('[DONE]')
  })

  test('parallel tools: tool-call index counts from 0 in start order, id/name only on the first delta', async () => {
    const { text } = await runStream([fixtureText('anthropic/parallel-tools.sse')])
    const calls = deltas(text).flatMap((d) => d.tool_calls ?? [])
    const starts = calls.filter((c) => c.id)
    expect(starts.map((c) => c.index)).toEqual([0, 1])
    for (const start of starts) expect(start).toMatchObject({ type: 'function', function: { arguments: '' } })
    expect(calls.filter((c) => !c.id).every((c) => c.type === undefined && c.function.name === undefined)).toBe(true)
    // These recorded tools take no arguments: each call still ends with valid JSON.
    for (const index of [0, 1]) {
      const args = calls
        .filter((c) => c.index === index)
        .map((c) => c.function.arguments)
        .join('')
      expect(JSON.parse(args)).toEqual({})
    }
    expect(finishReasons(text)).toEqual(['tool_calls'])
  })

  test('tool arguments arrive as fragments that join to the recorded input', async () => {
    const { text } = await runStream([fixtureText('anthropic/tool-use.sse')])
    const calls = deltas(text).flatMap((d) => d.tool_calls ?? [])
    const args = calls.map((c) => c.function.arguments).join('')
    const fragments = fixtureEvents('anthropic/tool-use.sse')
      .flatMap((e) => ((e.delta as { partial_json?: string })?.partial_json ? [(e.delta as { partial_json: string }).partial_json] : []))
      .join('')
    expect(args).toBe(fragments)
    expect(() => JSON.parse(args)).not.toThrow()
  })

  test('thinking + tool: reasoning_content, the signature in thinking_blocks, never in content', async () => {
    const { text } = await runStream([fixtureText('anthropic/thinking-tool.sse')])
    const all = deltas(text)
    const reasoning = all.map((d) => d.reasoning_content ?? '').join('')
    expect(reasoning.length).toBeGreaterThan(0)
    const signatures = all.flatMap((d) => d.thinking_blocks ?? [])
    expect(signatures).toHaveLength(1)
    expect(signatures[0]).toMatchObject({ type: 'thinking', thinking: '', signature: expect.any(String) })
    expect(all.map((d) => d.content ?? '').join('')).not.toContain(reasoning.slice(0, 20))
    expect(all.flatMap((d) => d.tool_calls ?? []).filter((c) => c.id)).toHaveLength(1)
  })

  test('redacted thinking blocks are passed back whole', async () => {
    const { text } = await runStream([fixtureText('anthropic/redacted-thinking.sse')])
    const blocks = deltas(text).flatMap((d) => d.thinking_blocks ?? [])
    expect(blocks.length).toBeGreaterThan(0)
    expect(blocks.every((b) => b.type === 'redacted_thinking' && b.data.length > 0)).toBe(true)
  })

  test('refusal: content_filter with the explanation in delta.refusal', async () => {
    const { text } = await runStream([fixtureText('anthropic/refusal.sse')])
    expect(finishReasons(text)).toEqual(['content_filter'])
    expect(deltas(text).find((d) => d.refusal)?.refusal).toContain('Terms of Service')
  })

  test('error mid-stream: the deltas, exactly one error chunk, then [DONE]; never a finish_reason', async () => {
    const { text, outcome } = await runStream([fixtureText('anthropic/error-mid-stream.sse')])
    const data = sseData(text)
    expect(data.at(-1)).toBe('[DONE]')
    const errors = sseJson(text).filter((c) => c.error)
    expect(errors).toEqual([{ error: { message: 'Overloaded', type: 'server_error', param: null, code: 'overloaded' } }])
    expect(finishReasons(text)).toEqual([])
    expect(outcome?.error?.code).toBe('overloaded')
  })

  test('a stream cut before message_stop ends in stream_incomplete, even after message_delta', async () => {
    const events = fixtureEvents('anthropic/text.sse').filter((e) => e.type !== 'message_stop')
    const { text } = await runStream(events.map(sseFrame))
    expect(finishReasons(text)).toEqual([])
    expect(sseJson(text).at(-1).error.code).toBe('stream_incomplete')
    expect(sseData(text).at(-1)).toBe('[DONE]')
  })

  test('a data line that is not JSON ends the stream with upstream_bad_response', async () => {
    const events = fixtureEvents('anthropic/text.sse').slice(0, 3).map(sseFrame)
    const { text } = await runStream([...events, 'event: content_block_delta\ndata: {not json\n\n'])
    expect(sseJson(text).at(-1).error.code).toBe('upstream_bad_response')
  })

  test.each([
    ['message_delta without delta', { type: 'message_delta' }],
    ['content_block_start without content_block', { type: 'content_block_start', index: 1 }],
    ['content_block_delta without delta', { type: 'content_block_delta', index: 0 }],
  ])('a known event of the wrong shape (%s) ends the stream with upstream_bad_response and [DONE]', async (_name, bad) => {
    const events = fixtureEvents('anthropic/text.sse').slice(0, 3).map(sseFrame)
    const { text, outcome } = await runStream([...events, sseFrame(bad as never)])
    expect(sseJson(text).at(-1).error.code).toBe('upstream_bad_response')
    expect(sseData(text).at(-1)).toBe('[DONE]')
    expect(outcome?.error?.code).toBe('upstream_bad_response')
  })

  test.each(MALFORMED_UPSTREAM_EVENTS)('%s: valid JSON chunks, then one upstream_bad_response error chunk and [DONE], no finish_reason', async (_name, bad) => {
    const events = fixtureEvents('anthropic/text.sse').map(sseFrame)
    const { text, outcome } = await runStream([...events.slice(0, 3), bad, ...events.slice(3)])
    const data = sseData(text)
    for (const frame of data.slice(0, -1)) expect(() => JSON.parse(frame)).not.toThrow()
    expect(
      sseJson(text)
        .filter((c) => c.error)
        .map((c) => c.error.code),
    ).toEqual(['upstream_bad_response'])
    expect(finishReasons(text)).toEqual([])
    expect(data.at(-1)).toBe('[DONE]')
    expect(outcome?.error?.code).toBe('upstream_bad_response')
  })

  test('unknown event and delta types are ignored', async () => {
    const events = fixtureEvents('anthropic/text.sse').map(sseFrame)
    const extra = [sseFrame({ type: 'brand_new_event', x: 1 }), sseFrame({ type: 'content_block_delta', index: 0, delta: { type: 'new_delta' } })]
    const plain = await runStream(events)
    const withExtra = await runStream([events[0] as string, ...extra, ...events.slice(1)])
    expect(withExtra.text).toBe(plain.text)
  })

  test('what the client reads is the same for every split point of the input, and for random splits', async () => {
    const bytes = new TextEncoder().encode(fixtureText('anthropic/thinking-tool.sse').replaceAll('\n', '\r\n'))
    const whole = streamContent((await runStream([bytes])).text)
    expect(whole.choices[0]?.reasoning).not.toBe('')
    expect(Object.keys(whole.choices[0]?.tools ?? {})).toHaveLength(1)
    for (let i = 1; i < bytes.length; i++) expect(streamContent((await runStream(splitAt(bytes, [i]))).text)).toEqual(whole)
    let seed = 42
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
    for (let round = 0; round < 200; round++) {
      const offsets = Array.from({ length: 1 + Math.floor(random() * 20) }, () => Math.floor(random() * bytes.length))
      expect(streamContent((await runStream(splitAt(bytes, offsets))).text)).toEqual(whole)
    }
  })

  test('deltas of one read go out as one chunk per kind; deltas of later reads are never held back for them', async () => {
    const events = fixtureEvents('anthropic/text.sse').map(sseFrame)
    const textDeltas = events.filter((frame) => frame.includes('"text_delta"')).length
    expect(textDeltas).toBeGreaterThan(1)
    const contentChunks = (text: string) => deltas(text).filter((d) => typeof d.content === 'string' && d.content !== '').length
    const oneRead = await runStream([events.join('')])
    expect(contentChunks(oneRead.text)).toBe(1)
    const readPerEvent = await runStream(events)
    expect(contentChunks(readPerEvent.text)).toBe(textDeltas)
    expect(streamContent(readPerEvent.text)).toEqual(streamContent(oneRead.text))
  })

  test('a 4-byte character split across reads survives', async () => {
    const frame = sseFrame({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'a😀b' } })
    const events = fixtureEvents('anthropic/text.sse').map(sseFrame)
    const all = new TextEncoder().encode([events[0], events[1], frame, ...events.slice(-3)].join(''))
    const emojiAt = all.indexOf(0xf0)
    const { text } = await runStream(splitAt(all, [emojiAt + 1, emojiAt + 2, emojiAt + 3]))
    expect(
      deltas(text)
        .map((d) => d.content ?? '')
        .join(''),
    ).toBe('a😀b')
  })

  test('JSON-mode tool input streams as content and finishes with stop', async () => {
    const message = {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'm',
      content: [{ type: 'tool_use', id: 'toolu_1', name: 'gateway_json_response', input: { answer: 42 } }],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 1, output_tokens: 2 },
    }
    const { toStreamEvents } = await import('../../src/mock-upstream/mock-replies.ts')
    const { text } = await runStream(toStreamEvents(message as never).map(sseFrame), { plan: planFor({ jsonTool: true }) })
    const all = deltas(text)
    expect(all.some((d) => d.tool_calls)).toBe(false)
    expect(JSON.parse(all.map((d) => d.content ?? '').join(''))).toEqual({ answer: 42 })
    expect(finishReasons(text)).toEqual(['stop'])
  })

  test('JSON mode beside client tools: a streamed call of a client tool finishes with tool_calls', async () => {
    const message = {
      id: 'msg_2',
      type: 'message',
      role: 'assistant',
      model: 'm',
      content: [{ type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: { city: 'Oslo' } }],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 1, output_tokens: 2 },
    }
    const { toStreamEvents } = await import('../../src/mock-upstream/mock-replies.ts')
    const { text } = await runStream(toStreamEvents(message as never).map(sseFrame), { plan: planFor({ jsonTool: true }) })
    expect(
      deltas(text)
        .flatMap((d) => d.tool_calls ?? [])
        .filter((c) => c.id),
    ).toHaveLength(1)
    expect(finishReasons(text)).toEqual(['tool_calls'])
  })

  test('legacy functions: delta.function_call, name first then the argument fragments; finish function_call', async () => {
    const { text } = await runStream([fixtureText('anthropic/tool-use.sse')], { plan: planFor({ legacyFunctions: true }) })
    const all = deltas(text)
    expect(all.some((d) => d.tool_calls)).toBe(false)
    const calls = all.flatMap((d) => (d.function_call ? [d.function_call] : []))
    const use = fixtureEvents('anthropic/tool-use.sse').find(
      (e) => e.type === 'content_block_start' && (e.content_block as { type: string }).type === 'tool_use',
    )
    expect(calls[0]).toEqual({ name: (use!.content_block as { name: string }).name, arguments: '' })
    expect(calls.slice(1).every((c) => c.name === undefined)).toBe(true)
    const fragments = fixtureEvents('anthropic/tool-use.sse')
      .flatMap((e) => ((e.delta as { partial_json?: string })?.partial_json ? [(e.delta as { partial_json: string }).partial_json] : []))
      .join('')
    expect(calls.map((c) => c.arguments).join('')).toBe(fragments)
    expect(finishReasons(text)).toEqual(['function_call'])
  })

  test('legacy functions: a second call ends the stream with upstream_bad_response; a call without arguments gets {}', async () => {
    const { text } = await runStream([fixtureText('anthropic/parallel-tools.sse')], { plan: planFor({ legacyFunctions: true }) })
    const calls = deltas(text).flatMap((d) => (d.function_call ? [d.function_call] : []))
    expect(JSON.parse(calls.map((c) => c.arguments).join(''))).toEqual({})
    expect(
      sseJson(text)
        .filter((c) => c.error)
        .map((c) => c.error.code),
    ).toEqual(['upstream_bad_response'])
    expect(finishReasons(text)).toEqual([])
  })

  test('heartbeat: a keep-alive comment while the upstream is silent, none when it is off', async () => {
    const events = fixtureEvents('anthropic/text.sse').map(sseFrame)
    const withPause = [...events.slice(0, 3), 150, ...events.slice(3)]
    const on = await runStream(withPause, { heartbeatMs: 40 })
    expect(on.text).toContain(': keep-alive\n\n')
    expect(on.text.endsWith('data: [DONE]\n\n')).toBe(true)
    const off = await runStream(withPause, { heartbeatMs: 0 })
    expect(off.text).not.toContain('keep-alive')
  })
})

test('a stream whose first event already ends it still closes cleanly', async () => {
  const { text, outcome } = await runStream([sseFrame({ type: 'message_stop' })])
  expect(sseData(text).at(-1)).toBe('[DONE]')
  expect(outcome?.finishReason).toBe('stop')
})
