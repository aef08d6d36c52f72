/**
 * The hot path of a stream: most events are `content_block_delta`s whose payload is one string.
 * For the API's exact layout, the string is taken as its raw JSON literal (escapes and all) and
 * copied into the OpenAI chunk, with no JSON.parse and no JSON.stringify. Anything else, or
 * anything unexpected, returns undefined and takes the general path.
 */
export type RawDelta = { index: number; type: 'text_delta' | 'input_json_delta' | 'thinking_delta'; literal: string }

const HEAD = '{"type":"content_block_delta","index":'
const DELTA = ',"delta":{"type":"'
/** What follows DELTA for each kind, up to the string's opening quote. */
const KINDS = [
  ['text_delta', 'text_delta","text":'],
  ['input_json_delta', 'input_json_delta","partial_json":'],
  ['thinking_delta', 'thinking_delta","thinking":'],
] as const

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

/** The delta in `text` from `start` to `end` (an SSE event's data, see SseEventSink). */
export const readRawDelta = (text: string, start: number, end: number): RawDelta | undefined => {
  if (!text.startsWith(HEAD, start)) return undefined
  let i = start + HEAD.length
  let index = 0
  const digitsFrom = i
  for (let c = text.charCodeAt(i); i < end && c >= DIGIT_0 && c <= DIGIT_9; c = text.charCodeAt(++i)) index = index * 10 + (c - DIGIT_0)
  if (i === digitsFrom || !text.startsWith(DELTA, i)) return undefined
  i += DELTA.length
  let type: RawDelta['type'] | undefined
  let open = 0
  for (const [kind, field] of KINDS) {
    if (!text.startsWith(field, i)) continue
    type = kind
    open = i + field.length
    break
  }
  if (type === undefined || open >= end || text.charCodeAt(open) !== QUOTE) return undefined
  // The string ends at the first quote not escaped. It is copied as it is, so what would make it
  // invalid JSON (a raw control character, an escape JSON has not) sends it to the general path.
  let close = open + 1
  for (; close < end; close++) {
    const c = text.charCodeAt(close)
    if (c === BACKSLASH) {
      close = escapeEnd(text, close, end)
      if (close < 0) return undefined
    } else if (c === QUOTE) break
    else if (c < 32) return undefined
  }
  if (close >= end) return undefined
  // Then exactly two closing braces, with the padding the API sometimes adds around them.
  let j = close + 1
  for (let braces = 0; braces < 2; braces++) {
    while (j < end && isSpace(text.charCodeAt(j))) j++
    if (j >= end || text.charCodeAt(j) !== CLOSE_BRACE) return undefined
    j++
  }
  while (j < end && isSpace(text.charCodeAt(j))) j++
  if (j !== end) return undefined
  return { index, type, literal: text.slice(open, close + 1) }
}
