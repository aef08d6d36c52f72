import { sseFrame } from '../../src/mock-upstream/mock-replies.ts'

/**
 * Upstream events of a known type but not their documented shape, as SSE frames, each to be put
 * after the third event of a recorded text stream: every output protocol must end its stream with
 * one upstream_bad_response failure, never invalid JSON or a quiet omission (issue 11 §11).
 */
export const MALFORMED_UPSTREAM_EVENTS: [name: string, frame: string][] = [
  [
    'a text_delta with an escape JSON does not have',
    'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a\\x"}}\n\n',
  ],
  ['a text_delta without text', sseFrame({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta' } })],
  ['a text_delta whose text is a number', sseFrame({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 5 } })],
  ['an input_json_delta without partial_json', sseFrame({ type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta' } })],
  ['a thinking_delta without thinking', sseFrame({ type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta' } })],
  ['a signature_delta without signature', sseFrame({ type: 'content_block_delta', index: 0, delta: { type: 'signature_delta' } })],
  ['a tool_use start without id', sseFrame({ type: 'content_block_start', index: 1, content_block: { type: 'tool_use', name: 'f', input: {} } })],
  ['a tool_use start without name', sseFrame({ type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_1', input: {} } })],
  ['a redacted_thinking start without data', sseFrame({ type: 'content_block_start', index: 1, content_block: { type: 'redacted_thinking' } })],
]
