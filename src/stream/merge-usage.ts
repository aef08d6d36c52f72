import type { Usage } from '../anthropic/response-schema.ts'

const COUNTERS = ['input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_creation_input_tokens'] as const

/**
 * Folds a stream event's usage into the stream's: counts are cumulative, so the latest non-null
 * value of each counter wins (some compatible upstreams repeat the input count in message_delta).
 */
export const mergeUsage = (usage: Usage, next: Usage | undefined | null) => {
  if (!next) return
  for (const key of COUNTERS) {
    const value = next[key]
    if (value != null) usage[key] = value
  }
  if (next.output_tokens_details?.thinking_tokens != null) usage.output_tokens_details = next.output_tokens_details
}
