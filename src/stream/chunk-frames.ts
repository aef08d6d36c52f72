import type { OpenAIError } from '../errors/openai-error.ts'
import type { CompletionUsage, FinishReason } from '../openai/response-schema.ts'

export type ChunkIdentity = { id: string; created: number; model: string; choiceIndex: number; includeUsage: boolean }

export const DONE_FRAME = 'data: [DONE]\n\n'
export const PING_FRAME = ': ping\n\n'
export const KEEP_ALIVE_FRAME = ': keep-alive\n\n'

/**
 * SSE frames of one stream's `chat.completion.chunk`s. Everything but the delta is the same on
 * every chunk, so it is written once per stream and each event only adds its delta's JSON.
 */
export const createChunkFrames = ({ id, created, model, choiceIndex, includeUsage }: ChunkIdentity) => {
  const head = `data: {"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},"system_fingerprint":null,"choices":`
  // With include_usage every chunk but the usage chunk carries "usage":null (OpenAI reference).
  const usageNull = includeUsage ? ',"usage":null' : ''
  const deltaHead = `${head}[{"index":${choiceIndex},"delta":`
  const deltaTail = `,"logprobs":null,"finish_reason":null}]${usageNull}}\n\n`
  const finishHead = `${deltaHead}{},"logprobs":null,"finish_reason":`
  return {
    /** `deltaJson` is the delta object's JSON text. */
    delta: (deltaJson: string) => deltaHead + deltaJson + deltaTail,
    finish: (reason: FinishReason) => `${finishHead}"${reason}"}]${usageNull}}\n\n`,
    usage: (usage: CompletionUsage) => `${head}[],"usage":${JSON.stringify(usage)}}\n\n`,
  }
}

export type ChunkFrames = ReturnType<typeof createChunkFrames>

/** An error after the 200, in the shape the `openai` SDK raises `APIError` on. */
export const errorFrame = (error: OpenAIError) =>
  `data: ${JSON.stringify({ error: { message: error.message, type: error.type, param: null, code: error.code } })}\n\n`
