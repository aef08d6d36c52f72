import type { Usage } from '../anthropic/response-schema.ts'
import { toOpenAIUsage } from '../mapping/to-openai-usage.ts'
import { createSseDecoder, type SseEventSink } from './sse-decoder.ts'

/** A JSON answer larger than this is not kept for its usage (the estimate settles it instead). */
const MAX_JSON_BYTES = 4 * 1024 * 1024

/**
 * The usage an Anthropic-native answer reports, read beside its byte-for-byte pass-through so a
 * limited key settles what it really used: from `message_start` and `message_delta` events of a
 * stream, or the `usage` of a JSON Message. Used only for keys with limits; the pass-through of
 * every other key parses nothing. Anything it cannot read leaves the usage unknown.
 */
export const createNativeUsageTap = ({ isStream, maxEventSize }: { isStream: boolean; maxEventSize: number }) => {
  let usage: Usage | undefined
  let broken = false
  const merge = (reported: unknown) => {
    if (typeof reported === 'object' && reported !== null) usage = { ...usage, ...(reported as Usage) }
  }
  const decoder = createSseDecoder({ maxEventSize })
  const onEvent: SseEventSink = (text, start, end) => {
    const data = text.slice(start, end)
    if (!data.includes('"usage"')) return
    try {
      const event = JSON.parse(data)
      merge(event.type === 'message_start' ? event.message?.usage : event.type === 'message_delta' ? event.usage : undefined)
    } catch {
      // not an event the tap can read
    }
  }
  const chunks: Uint8Array[] = []
  let bytes = 0
  return {
    feed(chunk: Uint8Array) {
      if (broken) return
      if (!isStream) {
        bytes += chunk.byteLength
        if (bytes > MAX_JSON_BYTES) broken = true
        else chunks.push(chunk)
        return
      }
      try {
        decoder.decode(chunk, onEvent)
      } catch {
        broken = true
      }
    },
    /** prompt_tokens and completion_tokens as the chat route counts them, or nothing when unknown. */
    usage(): { prompt_tokens: number; completion_tokens: number } | undefined {
      if (!isStream && !broken && chunks.length > 0) {
        try {
          merge(JSON.parse(Buffer.concat(chunks).toString('utf8')).usage)
        } catch {
          // not a Message
        }
      }
      if (usage === undefined) return undefined
      const { prompt_tokens, completion_tokens } = toOpenAIUsage(usage)
      return { prompt_tokens, completion_tokens }
    },
  }
}
