import type { Usage } from '../anthropic/response-schema.ts'
import { toOpenAIUsage } from '../mapping/to-openai-usage.ts'
import { createSseDecoder, type SseReader } from './sse-decoder.ts'

export type NativeUsageFields = { prompt_tokens: number; completion_tokens: number }

/** prompt_tokens and completion_tokens as the chat route counts them, from what an answer reported. */
export const toNativeUsageFields = (reported: unknown): NativeUsageFields | undefined => {
  if (typeof reported !== 'object' || reported === null) return undefined
  const { prompt_tokens, completion_tokens } = toOpenAIUsage(reported as Usage)
  return { prompt_tokens, completion_tokens }
}

/**
 * The usage an Anthropic-native event stream reports, read beside its byte-for-byte pass-through
 * so a limited key settles what it really used: from its `message_start` and `message_delta`
 * events. Used only for keys with limits; the pass-through of every other key parses nothing.
 * Anything it cannot read leaves the usage unknown.
 */
export const createNativeUsageTap = ({ maxEventSize }: { maxEventSize: number }) => {
  let usage: Usage | undefined
  let broken = false
  const merge = (reported: unknown) => {
    if (typeof reported === 'object' && reported !== null) usage = { ...usage, ...(reported as Usage) }
  }
  const decoder = createSseDecoder({ maxEventSize })
  const reader: SseReader = {
    event: (text, start, end) => {
      const data = text.slice(start, end)
      if (!data.includes('"usage"')) return
      try {
        const event = JSON.parse(data)
        merge(event.type === 'message_start' ? event.message?.usage : event.type === 'message_delta' ? event.usage : undefined)
      } catch {
        // not an event the tap can read
      }
    },
  }
  return {
    feed(chunk: Uint8Array) {
      if (broken) return
      try {
        decoder.decode(chunk, reader)
      } catch {
        broken = true
      }
    },
    usage: () => toNativeUsageFields(usage),
  }
}
