import type { FinishReason } from '../openai/response-schema.ts'

/** Raw stop reasons never reach the client; an unknown one is `stop`, flagged for a warning log. */
const FINISH_REASONS: Readonly<Record<string, FinishReason>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  compaction: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
}

export const isKnownStopReason = (stopReason: string | null | undefined) =>
  stopReason != null && Object.hasOwn(FINISH_REASONS, stopReason)

/**
 * `clientToolCalled`: whether the answer holds a call of one of the client's tools. `tool_use`
 * for the JSON-mode tool alone is the answer itself, so the turn ends with `stop`; beside it (JSON
 * mode with client tools) a call of a client tool is still `tool_calls`, which agent loops wait for.
 * @see https://docs.anthropic.com/en/api/handling-stop-reasons
 */
export const toOpenAIFinishReason = ({ stopReason, clientToolCalled }: { stopReason: string | null | undefined; clientToolCalled: boolean }): FinishReason => {
  if (stopReason === 'tool_use' && !clientToolCalled) return 'stop'
  return (stopReason != null && FINISH_REASONS[stopReason]) || 'stop'
}

const REFUSAL_FALLBACK = 'The model declined to answer this request.'

/** The refusal text: the upstream's explanation when it gave one. */
export const refusalOf = (explanation: unknown) => (typeof explanation === 'string' && explanation !== '' ? explanation : REFUSAL_FALLBACK)
