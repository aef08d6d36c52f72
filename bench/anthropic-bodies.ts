// Builds the Anthropic Messages API answers the fast upstream sends. Everything here runs
// once at start-up so that serving a request costs only a copy of prepared bytes.

import { sseFrame } from '../src/mock-upstream/mock-replies.ts'

const MODEL = 'claude-sonnet-4-5'
export const TOOL_NAME = 'get_weather'

const encoder = new TextEncoder()

// ~250 tokens of plain English: roughly 4 characters per token.
const WORDS = 'The quick brown fox jumps over the lazy dog while a gateway relays every token it hears'.split(' ')

function answerText(chars: number): string {
  let out = ''
  for (let i = 0; out.length < chars; i++) out += (i === 0 ? '' : ' ') + WORDS[i % WORDS.length]
  return out.slice(0, chars)
}

/** Splits `text` into `parts` consecutive, non-empty pieces (as long as text.length ≥ parts). */
function split(text: string, parts: number): string[] {
  const out: string[] = []
  for (let i = 0; i < parts; i++) {
    out.push(text.slice(Math.floor((i * text.length) / parts), Math.floor(((i + 1) * text.length) / parts)))
  }
  return out
}

export interface Variant {
  /** The whole non-stream Message JSON. */
  json: Uint8Array
  /** The stream as one SSE event per element, in order. */
  events: Uint8Array[]
  /**
   * The same events in two writes for a stream without delays: message_start and
   * content_block_start, then all the rest. A real upstream also sends its head on its own,
   * long before the first token, and a proxy's time to first byte is measured from it.
   */
  twoWrites: [Uint8Array, Uint8Array]
}

// message_start and content_block_start: what an upstream sends before its first token.
const HEAD_EVENTS = 2

function messageStart(inputTokens: number) {
  return sseFrame({
    type: 'message_start',
    message: {
      id: 'msg_bench_0001',
      type: 'message',
      role: 'assistant',
      model: MODEL,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: inputTokens, output_tokens: 1 },
    },
  })
}

function finish(stopReason: string, outputTokens: number): string[] {
  return [
    sseFrame({ type: 'content_block_stop', index: 0 }),
    sseFrame({
      type: 'message_delta',
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { output_tokens: outputTokens },
    }),
    sseFrame({ type: 'message_stop' }),
  ]
}

function variant(json: unknown, events: string[]): Variant {
  const encoded = events.map((e) => encoder.encode(e))
  return {
    json: encoder.encode(JSON.stringify(json)),
    events: encoded,
    twoWrites: [encoder.encode(events.slice(0, HEAD_EVENTS).join('')), encoder.encode(events.slice(HEAD_EVENTS).join(''))],
  }
}

/** The text of the answer: ~1,000 characters non-stream; streamed, ~4 per event (a token each). */
export function answerTexts(deltas: number) {
  return { json: answerText(1000), stream: answerText(Math.max(deltas * 4, 1000)) }
}

/** The input of the tool call; streamed, it is cut into `deltas` fragments. */
export function toolInput(deltas: number) {
  return { location: 'San Francisco, CA', unit: 'celsius', notes: answerText(Math.max(deltas * 4, 200)) }
}

/** The non-stream Message of a variant. */
const message = (content: unknown[], stopReason: string, usage: { input_tokens: number; output_tokens: number }) => ({
  id: 'msg_bench_0001',
  type: 'message',
  role: 'assistant',
  model: MODEL,
  content,
  stop_reason: stopReason,
  stop_sequence: null,
  usage,
})

/** A text answer, as one Message or as `deltas` text_delta events. */
export function textVariant(deltas: number): Variant {
  const { json: text, stream: streamText } = answerTexts(deltas)
  const events = [
    messageStart(12),
    sseFrame({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
    ...split(streamText, deltas).map((piece) => sseFrame({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: piece } })),
    ...finish('end_turn', deltas),
  ]
  return variant(message([{ type: 'text', text }], 'end_turn', { input_tokens: 12, output_tokens: 250 }), events)
}

/** A tool call: one tool_use block; its input arrives as `deltas` input_json_delta fragments. */
export function toolVariant(deltas: number): Variant {
  const input = toolInput(deltas)
  const block = { type: 'tool_use', id: 'toolu_bench_0001', name: TOOL_NAME }
  const events = [
    messageStart(80),
    sseFrame({ type: 'content_block_start', index: 0, content_block: { ...block, input: {} } }),
    ...split(JSON.stringify(input), deltas).map((piece) =>
      sseFrame({
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'input_json_delta', partial_json: piece },
      }),
    ),
    ...finish('tool_use', deltas),
  ]
  const json = message([{ ...block, input }], 'tool_use', { input_tokens: 80, output_tokens: 60 })
  return variant(json, events)
}
