import { type Static, Type as t } from '@sinclair/typebox'

const nullable = <T extends Parameters<typeof t.Union>[0][number]>(schema: T) => t.Union([schema, t.Null()])

export const CompletionUsage = t.Object({
  prompt_tokens: t.Integer(),
  completion_tokens: t.Integer(),
  total_tokens: t.Integer(),
  prompt_tokens_details: t.Object({ cached_tokens: t.Integer(), cache_write_tokens: t.Integer() }),
  completion_tokens_details: t.Optional(t.Object({ reasoning_tokens: t.Integer() })),
})
export type CompletionUsage = Static<typeof CompletionUsage>

export const FinishReason = t.Union([
  t.Literal('stop'),
  t.Literal('length'),
  t.Literal('tool_calls'),
  t.Literal('content_filter'),
  /** Legacy: the answer to a request with `functions` that called one. */
  t.Literal('function_call'),
])
export type FinishReason = Static<typeof FinishReason>

export const ResponseFunctionCall = t.Object({ name: t.String(), arguments: t.String() })

export const ResponseToolCall = t.Object({
  id: t.String(),
  type: t.Literal('function'),
  function: ResponseFunctionCall,
})
export type ResponseToolCall = Static<typeof ResponseToolCall>

export const ResponseThinkingBlock = t.Union([
  t.Object({ type: t.Literal('thinking'), thinking: t.String(), signature: t.String() }),
  t.Object({ type: t.Literal('redacted_thinking'), data: t.String() }),
])
export type ResponseThinkingBlock = Static<typeof ResponseThinkingBlock>

export const ResponseMessage = t.Object({
  role: t.Literal('assistant'),
  content: nullable(t.String()),
  refusal: nullable(t.String()),
  tool_calls: t.Optional(t.Array(ResponseToolCall)),
  /** Legacy, instead of tool_calls, when the request declared `functions`. */
  function_call: t.Optional(ResponseFunctionCall),
  /** Extension: the model's thinking text, never mixed into content. */
  reasoning_content: t.Optional(t.String()),
  /** Extension: signed thinking blocks, to be sent back on the next turn of a tool loop. */
  thinking_blocks: t.Optional(t.Array(ResponseThinkingBlock)),
})
export type ResponseMessage = Static<typeof ResponseMessage>

export const ChatCompletion = t.Object({
  id: t.String(),
  object: t.Literal('chat.completion'),
  created: t.Integer(),
  model: t.String(),
  system_fingerprint: t.Null(),
  choices: t.Array(
    t.Object({
      index: t.Integer(),
      message: ResponseMessage,
      logprobs: t.Null(),
      finish_reason: FinishReason,
    }),
  ),
  usage: CompletionUsage,
})
export type ChatCompletion = Static<typeof ChatCompletion>
