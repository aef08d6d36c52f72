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

/** Collects `field:action` tokens in order, once each. */
export class Adjustments {
  readonly #tokens = new Set<string>()

  add(field: string, action: AdjustmentAction) {
    this.#tokens.add(`${field}:${action}`)
  }

  get size() {
    return this.#tokens.size
  }

  toHeader() {
    return [...this.#tokens].join(',')
  }

  toArray() {
    return [...this.#tokens]
  }
}
