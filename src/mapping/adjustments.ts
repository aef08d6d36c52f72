/**
 * Every change the gateway makes to what a client sent is reported as a `field:action` token in
 * the `x-gateway-adjustments` response header and the debug log. These are the actions.
 */
export const ADJUSTMENT_ACTIONS = [
  /** A value moved into the range the upstream accepts (temperature > 1, max_tokens over a ceiling). */
  'clamped',
  /** A field with no Anthropic equivalent, or one the model rejects, not sent. */
  'ignored',
  'dropped',
  /** `user` sent as its SHA-256 because it looked like personal data. */
  'hashed',
  /** Something the API requires was added (a "." user turn, an error tool_result for an unanswered call). */
  'added',
  /** Something the API would reject was removed (trailing whitespace, a prefill the model rejects). */
  'trimmed',
  'removed',
  /** A feature switched off because it cannot be combined with another part of the request. */
  'disabled',
  'disabled_unsigned_history',
  /** A feature carried another way (json_schema as a forced tool). */
  'converted',
  /** A tool or function id rewritten to the characters the API accepts. */
  'rewritten',
] as const

export type AdjustmentAction = (typeof ADJUSTMENT_ACTIONS)[number]

/**
 * The header's size cap: proxies and clients refuse whole header blocks past 4–16 KiB (nginx's
 * default buffer is 4 KiB), and a client can send thousands of unknown fields.
 */
export const MAX_ADJUSTMENTS_HEADER_BYTES = 2048
/** The last token when more adjustments were made than fit under the cap. */
export const TRUNCATED_TOKEN = 'adjustments:truncated'

/** RFC 9110 `tchar`, less `%`, which escapes everything else: field names travel in a header. */
const TOKEN_BYTE = new Uint8Array(256)
for (const c of "!#$&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TOKEN_BYTE[c.charCodeAt(0)] = 1
const PLAIN_FIELD = /^[!#$&'*+\-.^_`|~0-9A-Za-z]*$/

/** A field name (a client's own unknown field may hold anything) as header-safe text: other bytes of its UTF-8 as %XX. */
const encodeField = (field: string) => {
  if (PLAIN_FIELD.test(field)) return field
  let encoded = ''
  for (const byte of Buffer.from(field)) {
    encoded += TOKEN_BYTE[byte] ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return encoded
}

/**
 * Collects `field:action` tokens in order, once each, as header-safe text (see encodeField), up to
 * MAX_ADJUSTMENTS_HEADER_BYTES joined; a token that does not fit is left out and TRUNCATED_TOKEN
 * ends the list.
 */
export class Adjustments {
  readonly #tokens = new Set<string>()
  /** Room left for `,token` before the truncation marker. */
  #room = MAX_ADJUSTMENTS_HEADER_BYTES - TRUNCATED_TOKEN.length
  #truncated = false

  add(field: string, action: AdjustmentAction) {
    // Encoding only lengthens a name, so one too long for the whole header is never encoded.
    const token = field.length + action.length + 1 > MAX_ADJUSTMENTS_HEADER_BYTES ? undefined : `${encodeField(field)}:${action}`
    if (token !== undefined && this.#tokens.has(token)) return
    if (token === undefined || token.length + 1 > this.#room) {
      this.#truncated = true
      return
    }
    this.#tokens.add(token)
    this.#room -= token.length + 1
  }

  get size() {
    return this.#tokens.size + (this.#truncated ? 1 : 0)
  }

  toHeader() {
    return this.toArray().join(',')
  }

  toArray() {
    const tokens = [...this.#tokens]
    if (this.#truncated) tokens.push(TRUNCATED_TOKEN)
    return tokens
  }
}
