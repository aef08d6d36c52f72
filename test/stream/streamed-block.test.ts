import { describe, expect, test } from 'bun:test'
import type { ResponseBlock } from '../../src/anthropic/response-schema.ts'
import { completeBlock, type StreamedBlock } from '../../src/stream/streamed-block.ts'

const streamed = (start: ResponseBlock, body: string, signature = ''): StreamedBlock => ({
  start,
  type: undefined,
  id: '',
  outputIndex: 0,
  at: '',
  body,
  signature,
  deltaHead: '',
  announced: true,
})

describe('a streamed block, complete', () => {
  // The body is the inside of a JSON string literal, as the deltas carried it.
  test.each([
    ['plain text, taken as it is', 'Hello there', 'Hello there'],
    ['escapes, decoded', 'say \\"hi\\"\\n\\u00e9\\\\', 'say "hi"\né\\'],
    ['a surrogate pair written as escapes', '\\ud83d\\ude00', '😀'],
    ['nothing', '', ''],
  ])('text: %s', (_name, body, text) => {
    expect(completeBlock(streamed({ type: 'text', text: '' }, body))).toEqual({ type: 'text', text })
  })

  test('thinking gets its text and its signature', () => {
    expect(completeBlock(streamed({ type: 'thinking', thinking: '', signature: '' }, 'a\\tb', 'sig'))).toEqual({
      type: 'thinking',
      thinking: 'a\tb',
      signature: 'sig',
    })
  })

  test('a tool call gets its input parsed from the joined JSON fragments; without fragments it keeps its start', () => {
    const start = { type: 'tool_use', id: 'toolu_1', name: 'f', input: {} } as ResponseBlock
    expect(completeBlock(streamed(start, '{\\"city\\": \\"Paris\\"}'))).toEqual({ ...start, input: { city: 'Paris' } } as ResponseBlock)
    expect(completeBlock(streamed(start, ''))).toBe(start)
  })
})
