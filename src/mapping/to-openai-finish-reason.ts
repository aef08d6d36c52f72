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

/** @see https://docs.anthropic.com/en/api/handling-stop-reasons */
export const toOpenAIFinishReason = ({ stopReason, jsonTool }: { stopReason: string | null | undefined; jsonTool: boolean }): FinishReason => {
  if (stopReason === 'tool_use' && jsonTool) return 'stop'
  return (stopReason != null && FINISH_REASONS[stopReason]) || 'stop'
}

export const REFUSAL_FALLBACK = 'The model declined to answer this request.'
