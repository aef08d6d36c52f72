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

/** The delta in `text` from `start` to `end` (an SSE event's data, see SseEventSink). */
export const readRawDelta = (text: string, start: number, end: number): RawDelta | undefined => {
  if (!text.startsWith(HEAD, start)) return undefined
  let i = start + HEAD.length
  let index = 0
  const digitsFrom = i
  for (let c = text.charCodeAt(i); i < end && c >= DIGIT_0 && c <= DIGIT_9; c = text.charCodeAt(++i)) index = index * 10 + (c - DIGIT_0)
  if (i === digitsFrom) return undefined
  let type: RawDelta['type']
  if (text.startsWith(TEXT, i)) {
    type = 'text_delta'
    i += TEXT.length
  } else if (text.startsWith(ARGUMENTS, i)) {
    type = 'input_json_delta'
    i += ARGUMENTS.length
  } else if (text.startsWith(THINKING, i)) {
    type = 'thinking_delta'
    i += THINKING.length
  } else return undefined
  // The string ends at the first quote not escaped. It is copied as it is, so what would make it
  // invalid JSON (a raw control character, an escape JSON has not) sends it to the general path.
  const open = i
  for (; i < end; i++) {
    const c = text.charCodeAt(i)
    if (c === QUOTE) break
    if (c === BACKSLASH) {
      i = escapeEnd(text, i, end)
      if (i < 0) return undefined
    } else if (c < 32) return undefined
  }
  if (i >= end || !closesTwice(text, i + 1, end)) return undefined
  return { index, type, escaped: text.slice(open, i) }
}

/** A string the general path parsed, escaped as the fast path hands it on. */
export const escapedOf = (value: string) => JSON.stringify(value).slice(1, -1)
