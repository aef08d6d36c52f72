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

export const isKnownStopReason = (stopReason: string | null | undefined) => stopReason != null && Object.hasOwn(FINISH_REASONS, stopReason)

export type FinishContext = {
  stopReason: string | null | undefined
  /** Whether the answer holds a call of one of the client's tools. */
  clientToolCalled: boolean
  /** The request declared legacy `functions`: a call ends with `function_call`. */
  legacyFunctions: boolean
}

/**
 * `tool_use` for the JSON-mode tool alone is the answer itself, so the turn ends with `stop`;
 * beside it (JSON mode with client tools) a call of a client tool is still `tool_calls`, which
 * agent loops wait for.
 * @see https://docs.anthropic.com/en/api/handling-stop-reasons
 */
export const toOpenAIFinishReason = ({ stopReason, clientToolCalled, legacyFunctions }: FinishContext): FinishReason => {
  if (stopReason === 'tool_use' && !clientToolCalled) return 'stop'
  const reason = (stopReason != null && FINISH_REASONS[stopReason]) || 'stop'
  return reason === 'tool_calls' && legacyFunctions ? 'function_call' : reason
}

const REFUSAL_FALLBACK = 'The model declined to answer this request.'

/** The refusal text: the upstream's explanation when it gave one. */
export const refusalOf = (explanation: unknown) => (typeof explanation === 'string' && explanation !== '' ? explanation : REFUSAL_FALLBACK)
