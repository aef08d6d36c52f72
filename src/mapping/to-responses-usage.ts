import type { Usage } from '../anthropic/response-schema.ts'
import type { ResponseUsage } from '../openai/responses-schema.ts'
import { toOpenAIUsage } from './to-openai-usage.ts'

/** The same counts as chat completions' usage (cache reads and writes in the input), under the Responses names. */
export const toResponsesUsage = (usage: Usage): ResponseUsage => {
  const counts = toOpenAIUsage(usage)
  return {
    input_tokens: counts.prompt_tokens,
    input_tokens_details: counts.prompt_tokens_details,
    output_tokens: counts.completion_tokens,
    output_tokens_details: { reasoning_tokens: counts.completion_tokens_details?.reasoning_tokens ?? 0 },
    total_tokens: counts.total_tokens,
  }
}
