import { describe, expect, test } from 'bun:test'
import { createMessageStopScan } from '../../src/stream/message-stop-scan.ts'
import { fixtureText } from '../support/fixtures.ts'

const seenIn = (chunks: readonly string[]) => {
  const scan = createMessageStopScan()
  for (const chunk of chunks) scan.see(Buffer.from(chunk))
  return scan.seen
}

/** `text` cut into pieces of `size` characters. */
const pieces = (text: string, size: number) => Array.from({ length: Math.ceil(text.length / size) }, (_, k) => text.slice(k * size, (k + 1) * size))

describe('message_stop, found in the bytes as they pass', () => {
  test.each([
    ['compact', 'data: {"type":"message_stop"}\n\n', true],
    ['padded', 'data: { "type" : "message_stop"       }\n\n', true],
    ['a text that names it', 'data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"the \\"message_stop\\" event"}}\n\n', false],
    ['its event line alone', 'event: message_stop\n\n', false],
    ['a stream without it', fixtureText('anthropic/text.sse').replace(/"message_stop"/g, '"message_halt"'), false],
  ])('%s → %p, however the bytes are cut', (_name, text, expected) => {
    for (const size of [1, 2, 5, 13, 14, 15, text.length]) expect(seenIn(pieces(text, size))).toBe(expected)
  })

  test('a recorded stream has it, cut in two at every offset', () => {
    const text = fixtureText('anthropic/parallel-tools.sse')
    for (let at = 0; at <= text.length; at++) expect(seenIn([text.slice(0, at), text.slice(at)])).toBe(true)
  })
})
