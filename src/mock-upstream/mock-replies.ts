import type { ContentBlock, MessagesRequest } from '../anthropic/request-schema.ts'
import type { Message, ResponseBlock } from '../anthropic/response-schema.ts'

/** An event as it goes on the wire. */
export type WireEvent = { type: string; [field: string]: unknown }

/** The Messages API's SSE framing: `event: <type>` + `data: <json>` + a blank line. */
export const sseFrame = (event: WireEvent) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`

const estimateTokens = (text: string) => Math.max(1, Math.ceil(text.length / 4))

type ToolResultContent = Extract<ContentBlock, { type: 'tool_result' }>['content']
const toolResultText = (content: ToolResultContent) =>
  typeof content === 'string' ? content : (content ?? []).flatMap((block) => (block.type === 'text' ? [block.text] : [])).join(' ')

const lastUserText = (request: MessagesRequest): string => {
  for (let i = request.messages.length - 1; i >= 0; i--) {
    const message = request.messages[i]
    if (message?.role !== 'user') continue
    if (typeof message.content === 'string') return message.content
    const texts = message.content.flatMap((block) => (block.type === 'text' ? [block.text] : []))
    if (texts.length > 0) return texts.join(' ')
    // A tool loop's last turn holds only results: quote them, so an agent's answer shows its tool ran.
    const results = message.content.flatMap((block) => (block.type === 'tool_result' ? [toolResultText(block.content)] : []))
    if (results.length > 0) return `(tool results) ${results.join(' ')}`
  }
  return ''
}

let sequence = 0
const mockMessageId = () => `msg_mock${(++sequence).toString(36).padStart(8, '0')}`

/** What the mock says when nothing is scripted: what it understood of the request, so a person can check it. */
export const echoMessage = (request: MessagesRequest): Message => {
  const parts = [
    `Hello from the gateway's built-in mock upstream (no model behind it).`,
    `I received ${request.messages.length} message(s) for model ${request.model} with max_tokens ${request.max_tokens}`,
  ]
  if (request.system) parts.push('and a system prompt')
  if (request.tools?.length) parts.push(`and ${request.tools.length} tool(s)`)
  const text = `${parts.join(' ')}. Your last message was: "${lastUserText(request)}"`
  return {
    id: mockMessageId(),
    type: 'message',
    role: 'assistant',
    model: request.model,
    content: [{ type: 'text', text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: estimateTokens(JSON.stringify(request.messages)), output_tokens: estimateTokens(text) },
  }
}

const chunk = (text: string, size: number) => {
  const pieces: string[] = []
  for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size))
  return pieces
}

const blockEvents = (block: ResponseBlock, index: number, chunkSize: number): WireEvent[] => {
  switch (block.type) {
    case 'text':
      return [
        { type: 'content_block_start', index, content_block: { type: 'text', text: '' } },
        ...chunk(block.text, chunkSize).map((text) => ({ type: 'content_block_delta', index, delta: { type: 'text_delta', text } })),
        { type: 'content_block_stop', index },
      ]
    case 'tool_use': {
      const json = JSON.stringify(block.input)
      return [
        { type: 'content_block_start', index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } },
        // The API opens every tool_use with an empty partial_json.
        { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: '' } },
        ...(json === '{}' ? [] : chunk(json, chunkSize)).map((partial_json) => ({
          type: 'content_block_delta',
          index,
          delta: { type: 'input_json_delta', partial_json },
        })),
        { type: 'content_block_stop', index },
      ]
    }
    case 'thinking':
      return [
        { type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } },
        ...chunk(block.thinking, chunkSize).map((thinking) => ({ type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking } })),
        { type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: block.signature } },
        { type: 'content_block_stop', index },
      ]
    default:
      return [
        { type: 'content_block_start', index, content_block: block },
        { type: 'content_block_stop', index },
      ]
  }
}

/** A Message as the event sequence the API streams for it. */
export const toStreamEvents = (message: Message, { chunkSize = 12 }: { chunkSize?: number } = {}): WireEvent[] => {
  const { input_tokens, cache_read_input_tokens, cache_creation_input_tokens, output_tokens } = message.usage
  return [
    {
      type: 'message_start',
      message: {
        ...message,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens, cache_read_input_tokens, cache_creation_input_tokens, output_tokens: 1 },
      },
    },
    { type: 'ping' },
    ...message.content.flatMap((block, index) => blockEvents(block, index, chunkSize)),
    { type: 'message_delta', delta: { stop_reason: message.stop_reason, stop_sequence: message.stop_sequence ?? null }, usage: { output_tokens } },
    { type: 'message_stop' },
  ]
}

export const errorBody = (type: string, message: string) => ({
  type: 'error',
  error: { type, message },
  request_id: `req_mock${(++sequence).toString(36)}`,
})
