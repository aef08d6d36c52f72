import type { ResponseBlock } from '../anthropic/response-schema.ts'
import type { OutputItemType } from '../openai/responses-schema.ts'

/** An Anthropic block while it streams in. */
export type StreamedBlock = {
  start: ResponseBlock
  /** What the block becomes for the client; undefined for blocks it never sees. */
  type: OutputItemType | undefined
  id: string
  outputIndex: number
  /** `"item_id":…,"output_index":…`, written once. */
  at: string
  /** The deltas so far (text, thinking or partial JSON) as the inside of one JSON string literal. */
  body: string
  signature: string
  /** The head of the frame each delta of this block becomes; '' when its deltas are not streamed. */
  deltaHead: string
  /** False until a reasoning summary part is opened by the block's first text. */
  announced: boolean
}

/** The string a JSON literal's inside stands for; without a backslash it has no escape, and is the string itself. */
const decode = (body: string): string => (body.indexOf('\\') === -1 ? body : JSON.parse(`"${body}"`))

/** The block as the Message API would have answered it without streaming. */
export const completeBlock = ({ start, body, signature }: StreamedBlock): ResponseBlock => {
  switch (start.type) {
    case 'text':
      return { ...start, text: decode(body) }
    case 'thinking':
      return { ...start, thinking: decode(body), signature: start.signature + signature }
    default:
      // Tool calls (client and server) stream their input as JSON fragments; other blocks come whole.
      return body === '' ? start : ({ ...start, input: JSON.parse(decode(body)) } as ResponseBlock)
  }
}
