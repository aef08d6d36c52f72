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

export const readRawDelta = (data: string): RawDelta | undefined => {
  if (!data.startsWith(HEAD)) return undefined
  let i = HEAD.length
  let index = 0
  const digitsFrom = i
  for (let c = data.charCodeAt(i); c >= DIGIT_0 && c <= DIGIT_9; c = data.charCodeAt(++i)) index = index * 10 + (c - DIGIT_0)
  if (i === digitsFrom || !data.startsWith(DELTA, i)) return undefined
  i += DELTA.length
  let type: RawDelta['type'] | undefined
  let start = 0
  for (const [kind, field] of KINDS) {
    if (!data.startsWith(field, i)) continue
    type = kind
    start = i + field.length
    break
  }
  if (type === undefined) return undefined
  if (data.charCodeAt(start) !== QUOTE) return undefined
  // The string ends at the first quote not escaped; a raw control character makes it invalid JSON.
  let end = start + 1
  for (; end < data.length; end++) {
    const c = data.charCodeAt(end)
    if (c === BACKSLASH) end++
    else if (c === QUOTE) break
    else if (c < 32) return undefined
  }
  if (end >= data.length) return undefined
  // Then exactly two closing braces, with the padding the API sometimes adds around them.
  let j = end + 1
  for (let braces = 0; braces < 2; braces++) {
    while (isSpace(data.charCodeAt(j))) j++
    if (data.charCodeAt(j) !== CLOSE_BRACE) return undefined
    j++
  }
  while (isSpace(data.charCodeAt(j))) j++
  if (j !== data.length) return undefined
  return { index, type, literal: data.slice(start, end + 1) }
}
