/**
 * The hot path of a stream: most events are `content_block_delta`s whose payload is one string.
 * For the API's exact layout, the string is taken as it is written in the JSON (escapes and all,
 * without its quotes) and copied into the OpenAI chunk, with no JSON.parse and no JSON.stringify.
 * Anything else, or anything unexpected, returns undefined and takes the general path.
 */
export type RawDelta = {
  index: number
  type: 'text_delta' | 'input_json_delta' | 'thinking_delta'
  /** The inside of the string's JSON literal: valid JSON between two quotes, '' for an empty string. */
  escaped: string
}

const HEAD = '{"type":"content_block_delta","index":'
/** What follows the index for each kind, up to and with the string's opening quote; text first, the commonest. */
const TEXT = ',"delta":{"type":"text_delta","text":"'
const ARGUMENTS = ',"delta":{"type":"input_json_delta","partial_json":"'
const THINKING = ',"delta":{"type":"thinking_delta","thinking":"'

const QUOTE = 34
const BACKSLASH = 92
const CLOSE_BRACE = 125
const DIGIT_0 = 48
const DIGIT_9 = 57

const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13

/** The characters JSON allows after a backslash (`u` takes four hex digits too). */
const ESCAPABLE = new Set([...'"\\/bfnrtu'].map((c) => c.charCodeAt(0)))
const U = 117
const isHex = (c: number) => (c >= DIGIT_0 && c <= DIGIT_9) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102)

/** Where a valid escape that starts at the backslash `at` ends (its last character), or -1. */
const escapeEnd = (text: string, at: number, end: number) => {
  const c = text.charCodeAt(at + 1)
  if (!ESCAPABLE.has(c)) return -1
  if (c !== U) return at + 1
  if (at + 5 >= end) return -1
  for (let k = at + 2; k <= at + 5; k++) if (!isHex(text.charCodeAt(k))) return -1
  return at + 5
}

/** Whether `text` from `at` to `end` is exactly two closing braces, with the padding the API sometimes adds. */
const closesTwice = (text: string, at: number, end: number) => {
  // The layout the API sends: `}}` and nothing else.
  if (at + 2 === end) return text.charCodeAt(at) === CLOSE_BRACE && text.charCodeAt(at + 1) === CLOSE_BRACE
  let j = at
  for (let braces = 0; braces < 2; braces++) {
    while (j < end && isSpace(text.charCodeAt(j))) j++
    if (j >= end || text.charCodeAt(j) !== CLOSE_BRACE) return false
    j++
  }
  while (j < end && isSpace(text.charCodeAt(j))) j++
  return j === end
}

/** Where the string that opens at `open` (after its quote) closes: the index of its closing quote, or -1. */
const stringEnd = (text: string, open: number, end: number) => {
  // The string ends at the first quote not escaped. It is copied as it is, so what would make it
  // invalid JSON (a raw control character, an escape JSON has not) sends it to the general path.
  for (let i = open; i < end; i++) {
    const c = text.charCodeAt(i)
    if (c === QUOTE) return i
    if (c === BACKSLASH) {
      i = escapeEnd(text, i, end)
      if (i < 0) return -1
    } else if (c < 32) return -1
  }
  return -1
}

/** A delta's head, `{"type":"content_block_delta","index":N,"delta":{…` up to its string, read from `start`. */
type DeltaHead = { index: number; type: RawDelta['type']; open: number }

const readDeltaHead = (text: string, start: number, end: number): DeltaHead | undefined => {
  if (!text.startsWith(HEAD, start)) return undefined
  let i = start + HEAD.length
  let index = 0
  const digitsFrom = i
  for (let c = text.charCodeAt(i); i < end && c >= DIGIT_0 && c <= DIGIT_9; c = text.charCodeAt(++i)) index = index * 10 + (c - DIGIT_0)
  if (i === digitsFrom) return undefined
  if (text.startsWith(TEXT, i)) return { index, type: 'text_delta', open: i + TEXT.length }
  if (text.startsWith(ARGUMENTS, i)) return { index, type: 'input_json_delta', open: i + ARGUMENTS.length }
  if (text.startsWith(THINKING, i)) return { index, type: 'thinking_delta', open: i + THINKING.length }
  return undefined
}

/** The delta in `text` from `start` to `end` (an SSE event's data, see SseEventSink). */
export const readRawDelta = (text: string, start: number, end: number): RawDelta | undefined => {
  const head = readDeltaHead(text, start, end)
  if (!head) return undefined
  const close = stringEnd(text, head.open, end)
  if (close < 0 || !closesTwice(text, close + 1, end)) return undefined
  return { index: head.index, type: head.type, escaped: text.slice(head.open, close) }
}

/** How the API writes a delta event, up to its JSON. */
const EVENT_HEAD = 'event: content_block_delta\ndata: '
const LF = 10
/** Whether the string closing at `close` ends its event as the API writes it: `"}}\n\n`; compared a character at a time, which costs less than a call. */
const endsEvent = (text: string, close: number) =>
  text.charCodeAt(close + 1) === CLOSE_BRACE &&
  text.charCodeAt(close + 2) === CLOSE_BRACE &&
  text.charCodeAt(close + 3) === LF &&
  text.charCodeAt(close + 4) === LF
/** The string's closing quote, the braces, the line end and the blank line. */
const EVENT_END_LENGTH = 5

/**
 * The deltas of one block that follow each other in a read, as the API writes them (wire doc
 * §3.5: they go out as one): from `start`, whole SSE events of exactly the form
 * `event: content_block_delta\ndata: {…"text":"<string>"}}\n\n`, same index and kind, their
 * strings' insides joined. Each next event is told by one comparison with the first one's text up
 * to its string. Undefined when the event at `start` is not of that form; `end` is where the run stopped.
 */
export const readDeltaRun = (text: string, start: number): (RawDelta & { end: number }) | undefined => {
  if (!text.startsWith(EVENT_HEAD, start)) return undefined
  const length = text.length
  const head = readDeltaHead(text, start + EVENT_HEAD.length, length)
  if (!head) return undefined
  let close = stringEnd(text, head.open, length)
  if (close < 0 || !endsEvent(text, close)) return undefined
  let escaped = text.slice(head.open, close)
  let next = close + EVENT_END_LENGTH
  const prefix = text.slice(start, head.open)
  while (text.startsWith(prefix, next)) {
    const open = next + prefix.length
    close = stringEnd(text, open, length)
    if (close < 0 || !endsEvent(text, close)) break
    escaped += text.slice(open, close)
    next = close + EVENT_END_LENGTH
  }
  return { index: head.index, type: head.type, escaped, end: next }
}

/** A string the general path parsed, escaped as the fast path hands it on. */
export const escapedOf = (value: string) => JSON.stringify(value).slice(1, -1)
