import { describe, expect, test } from 'bun:test'
import { readDeltaRun, readRawDelta } from '../../src/stream/raw-delta.ts'
import { fixtureText } from '../support/fixtures.ts'

/** `data` read alone, and as the range it is inside an SSE read (between `data: ` and the line end). */
const readBoth = (data: string) => {
  const alone = readRawDelta(data, 0, data.length)
  const read = `event: content_block_delta\ndata: ${data}\n\ndata: {"type":"ping"}\n\n`
  const start = read.indexOf('data: ') + 6
  expect(readRawDelta(read, start, start + data.length)).toEqual(alone)
  return alone
}

describe('raw delta fast path', () => {
  test.each([
    [
      '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi \\"you\\" \\u00e9"}}',
      { index: 0, type: 'text_delta', escaped: 'Hi \\"you\\" \\u00e9' },
    ],
    [
      '{"type":"content_block_delta","index":12,"delta":{"type":"input_json_delta","partial_json":"{\\"a\\":"}  }   ',
      { index: 12, type: 'input_json_delta', escaped: '{\\"a\\":' },
    ],
    ['{"type":"content_block_delta","index":1,"delta":{"type":"thinking_delta","thinking":""}}', { index: 1, type: 'thinking_delta', escaped: '' }],
    [
      '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"\\/\\b\\f\\n\\r\\t\\\\\\uD83D\\ude00"}}',
      { index: 0, type: 'text_delta', escaped: '\\/\\b\\f\\n\\r\\t\\\\\\uD83D\\ude00' },
    ],
  ])('%s', (data, expected) => {
    expect(readBoth(data)).toEqual(expected as never)
  })

  test.each([
    ['another key order', '{"index":0,"type":"content_block_delta","delta":{"type":"text_delta","text":"x"}}'],
    ['an extra field after the text', '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x","y":1}}'],
    ['an extra field after the delta', '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x"},"y":1}'],
    ['a raw control character', '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a\nb"}}'],
    ['an unterminated string', '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"abc'],
    ['no index', '{"type":"content_block_delta","index":,"delta":{"type":"text_delta","text":"x"}}'],
    ['another delta type', '{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"x"}}'],
    ['an escape JSON does not have', '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a\\xb"}}'],
    ['a \\u escape with a non-hex digit', '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"\\u00g9"}}'],
    ['a \\u escape cut short by the quote', '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"\\u00"}}'],
  ])('falls back on %s', (_name, data) => {
    expect(readBoth(data)).toBeUndefined()
  })

  test('a range is read alone: cut short, it falls back even though the text goes on validly', () => {
    const data = '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"xy"}}'
    const text = `data: ${data}\n\n`
    const end = 6 + data.length
    expect(readRawDelta(text, 6, end)?.escaped).toBe('xy')
    for (const cut of [1, 2, 3, 4]) expect(readRawDelta(text, 6, end - cut)).toBeUndefined()
  })

  test('every literal it takes from recorded streams parses to the same string JSON.parse gives', () => {
    const datas = ['text.sse', 'tool-use.sse', 'thinking-tool.sse', 'parallel-tools.sse']
      .flatMap((file) => fixtureText(`anthropic/${file}`).split('\n'))
      .filter((line) => line.startsWith('data: '))
      .map((line) => line.slice(6))
    let taken = 0
    for (const data of datas) {
      const raw = readBoth(data)
      if (!raw) continue
      taken++
      const delta = JSON.parse(data).delta
      expect(JSON.parse(`"${raw.escaped}"`)).toBe(delta.text ?? delta.partial_json ?? delta.thinking)
    }
    expect(taken).toBeGreaterThan(20)
  })

  const delta = (index: number, field: string, type: string, value: string) =>
    `event: content_block_delta\ndata: {"type":"content_block_delta","index":${index},"delta":{"type":"${type}","${field}":${value}}}\n\n`
  const text = (value: string, index = 0) => delta(index, 'text', 'text_delta', value)

  // [name, the events the run takes, what follows them in the read, the run]
  test.each([
    ['one event', text('"a"'), '', { index: 0, type: 'text_delta', escaped: 'a' }],
    ['three of one block, escapes kept', text('"a"') + text('"\\"b\\u00e9"') + text('""'), '', { index: 0, type: 'text_delta', escaped: 'a\\"b\\u00e9' }],
    ['stops at another index', text('"a"'), text('"b"', 1), { index: 0, type: 'text_delta', escaped: 'a' }],
    ['stops at another kind', text('"a"'), delta(0, 'thinking', 'thinking_delta', '"t"'), { index: 0, type: 'text_delta', escaped: 'a' }],
    [
      'stops at another event',
      text('"a"'),
      'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n',
      { index: 0, type: 'text_delta', escaped: 'a' },
    ],
    ['stops at padding', text('"a"'), text('"b"').replace('}}', '} }'), { index: 0, type: 'text_delta', escaped: 'a' }],
    ['stops at a CRLF event', text('"a"'), text('"b"').replaceAll('\n', '\r\n'), { index: 0, type: 'text_delta', escaped: 'a' }],
    ['stops at a half event at the end of the read', text('"a"'), text('"bc"').slice(0, -4), { index: 0, type: 'text_delta', escaped: 'a' }],
    [
      'arguments',
      delta(2, 'partial_json', 'input_json_delta', '"{\\"x"') + delta(2, 'partial_json', 'input_json_delta', '"\\":1}"'),
      '',
      { index: 2, type: 'input_json_delta', escaped: '{\\"x\\":1}' },
    ],
  ])('a run: %s', (_name, taken, rest, expected) => {
    expect(readDeltaRun(taken + rest, 0)).toEqual({ ...expected, end: taken.length } as never)
  })

  test.each([
    ['no event line', text('"a"').slice('event: content_block_delta\n'.length)],
    ['a padded first event', text('"a"').replace('}}', '} }')],
    ['a raw control character', text('"a\tb"')],
    ['a first event cut short', text('"abc"').slice(0, -3)],
    ['a signature delta', delta(0, 'signature', 'signature_delta', '"s"')],
  ])('no run on %s', (_name, read) => {
    expect(readDeltaRun(read, 0)).toBeUndefined()
  })

  test('a run starts where it is told, inside a read', () => {
    const read = `: ping\n\n${text('"x"')}${text('"y"')}`
    expect(readDeltaRun(read, 8)).toEqual({ index: 0, type: 'text_delta', escaped: 'xy', end: read.length })
  })
})
