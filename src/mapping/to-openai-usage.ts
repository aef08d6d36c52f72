import type { Usage } from '../anthropic/response-schema.ts'
import type { CompletionUsage } from '../openai/response-schema.ts'

/**
 * Anthropic counts cached input apart from `input_tokens`; OpenAI's `prompt_tokens` is the whole
 * prompt, so cache reads and writes join it, and `total_tokens` always equals prompt + completion.
 */
export const toOpenAIUsage = (usage: Usage): CompletionUsage => {
  const cachedTokens = usage.cache_read_input_tokens ?? 0
  const cacheWriteTokens = usage.cache_creation_input_tokens ?? 0
  const promptTokens = (usage.input_tokens ?? 0) + cachedTokens + cacheWriteTokens
  const completionTokens = usage.output_tokens ?? 0
  const result: CompletionUsage = {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: cachedTokens, cache_write_tokens: cacheWriteTokens },
  }
  const reasoningTokens = usage.output_tokens_details?.thinking_tokens
  if (reasoningTokens != null) result.completion_tokens_details = { reasoning_tokens: reasoningTokens }
  return result
}

/** Sums the usage of the n answers of one request. */
export const sumUsage = (all: readonly CompletionUsage[]): CompletionUsage => {
  if (all.length === 1) return all[0] as CompletionUsage
  const sum = (pick: (usage: CompletionUsage) => number) => all.reduce((total, usage) => total + pick(usage), 0)
  const result: CompletionUsage = {
    prompt_tokens: sum((u) => u.prompt_tokens),
    completion_tokens: sum((u) => u.completion_tokens),
    total_tokens: sum((u) => u.total_tokens),
    prompt_tokens_details: {
      cached_tokens: sum((u) => u.prompt_tokens_details.cached_tokens),
      cache_write_tokens: sum((u) => u.prompt_tokens_details.cache_write_tokens),
    },
  }
  if (all.some((u) => u.completion_tokens_details)) {
    result.completion_tokens_details = { reasoning_tokens: sum((u) => u.completion_tokens_details?.reasoning_tokens ?? 0) }
  }
  return result
}
