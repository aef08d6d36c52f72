import type { AnthropicTool } from '../anthropic/request-schema.ts'
import type { Config } from '../config/env-schema.ts'
import { OpenAIError } from '../errors/openai-error.ts'
import type { Adjustments } from './adjustments.ts'
import { estimatePromptTokens } from './estimate-prompt-tokens.ts'
import type { Turn } from './to-anthropic-turns.ts'

export type MaxTokensOptions = Pick<
  Config,
  'defaultMaxTokens' | 'maxTokensHardLimit' | 'maxTokensDynamic' | 'modelContextLimits' | 'dynamicSafetyMargin' | 'tokenEstCharsPerToken' | 'imageTokenEquiv'
>

export type MaxTokensInput = {
  /** The aliased model: its context window under MAX_TOKENS_DYNAMIC. */
  model: string
  /** The model's output ceiling from its quirks row (looked up once, by the caller). */
  maxOutputTokens: number | undefined
  maxCompletionTokens?: number | null
  maxTokens: number | null | undefined
  /** The client's name for the limit, in the clamp report (default: the Chat Completions field used). */
  field?: string
  /** Budget thinking tokens, added on top so thinking never eats the visible answer. */
  thinkingBudget: number
  /** Read only when the dynamic rule applies, since estimating walks the whole prompt. */
  prompt: () => { system: readonly string[]; turns: readonly Turn[]; tools: readonly AnthropicTool[] }
}

/**
 * max_tokens = min(requested + thinking budget, model ceiling, MAX_TOKENS_HARD_LIMIT, and with
 * MAX_TOKENS_DYNAMIC the room left in the context window). Each clamp is reported.
 */
export const resolveMaxTokens = (input: MaxTokensInput, options: MaxTokensOptions, adjustments: Adjustments): number => {
  const requested = input.maxCompletionTokens ?? input.maxTokens ?? options.defaultMaxTokens
  let maxTokens = requested + input.thinkingBudget
  const field = input.field ?? (input.maxCompletionTokens != null ? 'max_completion_tokens' : 'max_tokens')
  const clampTo = (ceiling: number | undefined) => {
    if (ceiling === undefined || maxTokens <= ceiling) return
    maxTokens = ceiling
    adjustments.add(field, 'clamped')
  }
  clampTo(input.maxOutputTokens)
  clampTo(options.maxTokensHardLimit)
  const contextTokens = options.maxTokensDynamic ? options.modelContextLimits.get(input.model) : undefined
  if (contextTokens !== undefined) {
    const estimate = estimatePromptTokens(input.prompt(), { charsPerToken: options.tokenEstCharsPerToken, imageTokens: options.imageTokenEquiv })
    const room = contextTokens - estimate - options.dynamicSafetyMargin
    if (room < 1) {
      throw new OpenAIError({
        status: 400,
        type: 'invalid_request_error',
        code: 'context_length_exceeded',
        param: 'messages',
        message: `This model's maximum context length is ${contextTokens} tokens, and the messages are estimated at ${estimate} tokens, which leaves no room for an answer. Shorten the messages.`,
      })
    }
    clampTo(room)
  }
  return maxTokens
}
