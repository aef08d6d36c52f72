import { describe, expect, test } from 'bun:test'
import { createSseParser, SseEventTooLargeError } from '../../src/stream/sse-decoder.ts'

const parse = (chunks: readonly string[], maxEventSize = 1 << 20) => {
  const events: string[] = []
  const parser = createSseParser({ onEvent: (text, start, end) => events.push(text.slice(start, end)), maxEventSize })
  for (const chunk of chunks) parser.feed(chunk)
  parser.end()
  return events
}

const STREAM = 'event: a\ndata: {"x":1}\n\n: comment\nevent: b\ndata: line1\ndata: line2\n\ndata:no-space\n\nid: 7\nretry: 10\ndata: {"y":"é😀"}\n\n'
const EXPECTED: string[] = ['{"x":1}', 'line1\nline2', 'no-space', '{"y":"é😀"}']

describe('SSE parser', () => {
  test('parses events, multi-line data, comments and ignored fields', () => {
    expect(parse([STREAM])).toEqual(EXPECTED)
  })

  test('a field named data with no value, or no space, still counts; lookalike fields do not', () => {
    expect(parse(['data\ndata:x\ndatax: no\n: data: no\n\n'])).toEqual(['\nx'])
  })

  test.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
    ['lone CR', '\r'],
  ])('accepts %s line ends', (_name, eol) => {
    expect(parse([STREAM.replaceAll('\n', eol)])).toEqual(EXPECTED)
  })

  test('gives the same events for every split point of the input, CRLF included', () => {
    const crlf = STREAM.replaceAll('\n', '\r\n')
    for (let i = 0; i <= crlf.length; i++) expect(parse([crlf.slice(0, i), crlf.slice(i)])).toEqual(EXPECTED)
  })

  test('gives the same events for every pair of split points, LF only (the one-step path for `event:` + `data:`)', () => {
    const lf = `event: x\ndata: {"a":1}\n\n${STREAM}event: y\n\nevent: z\ndata: p\ndata: q\n\n`
    const expected = ['{"a":1}', ...EXPECTED, 'p\nq']
    expect(parse([lf])).toEqual(expected)
    for (let i = 0; i <= lf.length; i++) {
      for (let j = i; j <= lf.length; j += 7) expect(parse([lf.slice(0, i), lf.slice(i, j), lf.slice(j)])).toEqual(expected)
    }
  })

  test('gives the same events when fed one character at a time', () => {
    expect(parse([...STREAM.replaceAll('\n', '\r\n')])).toEqual(EXPECTED)
  })

  test('discards a half-received event at the end of the stream', () => {
    expect(parse(['data: complete\n\ndata: half'])).toEqual(['complete'])
  })

  test('passes a 1 MiB event and rejects one above the bound', () => {
    const big = 'x'.repeat(1 << 20)
    expect(parse([`data: ${big.slice(0, 500_000)}`, `${big.slice(500_000)}\n\n`], 2 << 20)[0]?.length).toBe(1 << 20)
    expect(() => parse([`data: ${big}`], 1000)).toThrow(SseEventTooLargeError)
  })
})
