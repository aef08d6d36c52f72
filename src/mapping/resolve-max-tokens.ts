import { OpenAIError } from '../errors/openai-error.ts'
import type { Adjustments } from './adjustments.ts'

export type MaxTokensSettings = {
  defaultMaxTokens: number
  hardLimit: number
  /** Context window when MAX_TOKENS_DYNAMIC applies to this model, else undefined. */
  contextTokens: number | undefined
  safetyMargin: number
}

export type MaxTokensInput = {
  maxCompletionTokens: number | null | undefined
  maxTokens: number | null | undefined
  /** Budget thinking tokens, added on top so thinking never eats the visible answer. */
  thinkingBudget: number
  modelCeiling: number | undefined
  /** Called only when the dynamic rule applies, since estimating walks the whole prompt. */
  estimatePromptTokens: () => number
}

/**
 * max_tokens = min(requested + thinking budget, model ceiling, MAX_TOKENS_HARD_LIMIT, and with
 * MAX_TOKENS_DYNAMIC the room left in the context window). Each clamp is reported.
 */
export const resolveMaxTokens = (input: MaxTokensInput, settings: MaxTokensSettings, adjustments: Adjustments): number => {
  const requested = input.maxCompletionTokens ?? input.maxTokens ?? settings.defaultMaxTokens
  let maxTokens = requested + input.thinkingBudget
  const field = input.maxCompletionTokens != null ? 'max_completion_tokens' : 'max_tokens'
  const clampTo = (ceiling: number | undefined) => {
    if (ceiling === undefined || maxTokens <= ceiling) return
    maxTokens = ceiling
    adjustments.add(field, 'clamped')
  }
  clampTo(input.modelCeiling)
  clampTo(settings.hardLimit)
  if (settings.contextTokens !== undefined) {
    const room = settings.contextTokens - input.estimatePromptTokens() - settings.safetyMargin
    if (room < 1) {
      throw new OpenAIError({
        status: 400,
        type: 'invalid_request_error',
        code: 'context_length_exceeded',
        param: 'messages',
        message: `This model's maximum context length is ${settings.contextTokens} tokens, and the messages are estimated to leave no room for an answer. Shorten the messages.`,
      })
    }
    clampTo(room)
  }
  return maxTokens
}
