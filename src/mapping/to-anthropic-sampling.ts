import type { ChatCompletionRequest } from '../openai/request-schema.ts'
import type { Adjustments } from './adjustments.ts'
import type { ModelQuirks } from './model-quirks.ts'

export type Sampling = { temperature?: number; top_p?: number; top_k?: number }

/** The extended-thinking docs allow top_p only from 0.95 to 1 while thinking. */
const MIN_TOP_P_WITH_THINKING = 0.95

/**
 * temperature (OpenAI 0–2 → Anthropic 0–1, clamped), top_p, top_k, under the model's sampling
 * rule and the thinking rules: every value changed or dropped is reported.
 */
export const toAnthropicSampling = (
  request: Pick<ChatCompletionRequest, 'temperature' | 'top_p' | 'top_k'>,
  { quirks, thinking }: { quirks: ModelQuirks; thinking: boolean },
  adjustments: Adjustments,
): Sampling => {
  const sampling: Sampling = {}
  const drop = (field: keyof Sampling) => adjustments.add(field, 'dropped')
  if (request.temperature != null) {
    if (quirks.sampling === 'none' || thinking) drop('temperature')
    else if (request.temperature > 1) {
      sampling.temperature = 1
      adjustments.add('temperature', 'clamped')
    } else sampling.temperature = request.temperature
  }
  if (request.top_p != null) {
    const droppedForThinking = thinking && request.top_p < MIN_TOP_P_WITH_THINKING
    const droppedForModel = quirks.sampling === 'none' || (quirks.sampling === 'one' && sampling.temperature !== undefined)
    if (droppedForThinking || droppedForModel) drop('top_p')
    else sampling.top_p = request.top_p
  }
  if (request.top_k != null) {
    if (quirks.sampling === 'none' || thinking) drop('top_k')
    else sampling.top_k = request.top_k
  }
  return sampling
}
