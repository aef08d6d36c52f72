import type { IncompleteDetails } from '../openai/responses-schema.ts'

export type ResponsesStatus = { status: 'completed' | 'incomplete'; incomplete_details: IncompleteDetails }

const COMPLETED: ResponsesStatus = { status: 'completed', incomplete_details: null }
const CUT_SHORT: ResponsesStatus = { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } }
const REFUSED: ResponsesStatus = { status: 'incomplete', incomplete_details: { reason: 'content_filter' } }

/**
 * stop_reason → the response's status, as chat completions maps it to finish_reason
 * (https://docs.anthropic.com/en/api/handling-stop-reasons): what chat calls `length` is
 * `incomplete` for `max_output_tokens`; a refusal is `incomplete` for `content_filter`.
 * `pause_turn` is `completed`, as chat's `stop`: the Responses API has no "paused" state, and the
 * text so far is a whole answer to show.
 */
const STATUS_OF_STOP_REASON: ReadonlyMap<string, ResponsesStatus> = new Map([
  ['end_turn', COMPLETED],
  ['stop_sequence', COMPLETED],
  ['tool_use', COMPLETED],
  ['pause_turn', COMPLETED],
  ['max_tokens', CUT_SHORT],
  ['model_context_window_exceeded', CUT_SHORT],
  ['compaction', CUT_SHORT],
  ['refusal', REFUSED],
])

/** An unknown or missing stop_reason is `completed`, and named in `unknownStopReason` for a warning log. */
export const toResponsesStatus = (stopReason: string | null | undefined): ResponsesStatus & { unknownStopReason: string | undefined } => {
  const known = stopReason == null ? undefined : STATUS_OF_STOP_REASON.get(stopReason)
  return known ? { ...known, unknownStopReason: undefined } : { ...COMPLETED, unknownStopReason: String(stopReason) }
}
