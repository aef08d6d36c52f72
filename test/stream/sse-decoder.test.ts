import { describe, expect, test } from 'bun:test'
import { createSseDecoder, createSseParser, SseEventTooLargeError, type SseReader } from '../../src/stream/sse-decoder.ts'

const parse = (chunks: readonly string[], maxEventSize = 1 << 20) => {
  const events: string[] = []
  const parser = createSseParser({ maxEventSize })
  const reader = { event: (text: string, start: number, end: number) => events.push(text.slice(start, end)) }
  for (const chunk of chunks) parser.feed(chunk, reader)
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

  test('pause stops after the event being handed out; resume gives the rest of that read to another reader', () => {
    const decoder = createSseDecoder({ maxEventSize: 1 << 20 })
    const peeked: string[] = []
    const rest: string[] = []
    const peek: SseReader = {
      event: (text, start, end) => {
        peeked.push(text.slice(start, end))
        decoder.pause()
      },
    }
    const mapper: SseReader = { event: (text, start, end) => rest.push(text.slice(start, end)) }
    const bytes = new TextEncoder().encode('data: 1\n\nevent: b\ndata: 2\n\ndata: 3\n\ndata: 4')
    decoder.decode(bytes, peek)
    expect(peeked).toEqual(['1'])
    expect(rest).toEqual([])
    decoder.resume(mapper)
    expect(rest).toEqual(['2', '3'])
    decoder.decode(new TextEncoder().encode('\n\n'), mapper)
    expect(rest).toEqual(['2', '3', '4'])
    expect(peeked).toEqual(['1'])
  })

  test('a pause on the last event of a read, even one ending in CR, loses nothing', () => {
    const decoder = createSseDecoder({ maxEventSize: 1 << 20 })
    const events: string[] = []
    const peek: SseReader = {
      event: (text, start, end) => {
        events.push(`peek:${text.slice(start, end)}`)
        decoder.pause()
      },
    }
    const mapper: SseReader = { event: (text, start, end) => events.push(text.slice(start, end)) }
    decoder.decode(new TextEncoder().encode('data: 1\r\r'), peek)
    decoder.resume(mapper)
    decoder.decode(new TextEncoder().encode('\ndata: 2\r\n\r\n'), mapper)
    expect(events).toEqual(['peek:1', '2'])
  })

  test('a run taker gets whole events only, and the events are the same for every pair of split points', () => {
    // Takes each `event: r\ndata: <x>\n\n` at the position it is offered, as readDeltaRun does.
    const RUN = 'event: r\ndata: '
    const taken: string[] = []
    const reader = (events: string[]): SseReader => ({
      event: (text, start, end) => events.push(text.slice(start, end)),
      run: (text, start) => {
        if (!text.startsWith(RUN, start)) return start
        const end = text.indexOf('\n', start + RUN.length)
        if (end < 0 || text.charCodeAt(end + 1) !== 10) return start
        taken.push(text.slice(start + RUN.length, end))
        events.push(text.slice(start + RUN.length, end))
        return end + 2
      },
    })
    const stream = `event: r\ndata: a\n\nevent: r\ndata: b\ndata: c\n\n${STREAM}event: r\ndata: d\n\n`
    const expected = ['a', 'b\nc', ...EXPECTED, 'd']
    for (let i = 0; i <= stream.length; i++) {
      for (let j = i; j <= stream.length; j += 5) {
        const events: string[] = []
        const parser = createSseParser({ maxEventSize: 1 << 20 })
        for (const chunk of [stream.slice(0, i), stream.slice(i, j), stream.slice(j)]) parser.feed(chunk, reader(events))
        expect(events).toEqual(expected)
      }
    }
    expect(taken).toContain('a')
    expect(taken).not.toContain('b')
  })
})
