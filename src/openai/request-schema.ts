// Plain TypeBox, not Elysia's `t`: its `t.Integer` also accepts numeric strings ("512") and
// coerces them, which the real APIs reject, and costs a Decode walk of every request body.
import { type Static, Type as t } from '@sinclair/typebox'

/**
 * Limits that keep one request from costing unbounded work; each has a clear 400. Stop sequences:
 * OpenAI takes 4, the Messages API documents no limit, so more than 4 are passed on, up to a bound.
 */
export const REQUEST_LIMITS = { messages: 4096, partsPerMessage: 1024, tools: 512, stopSequences: 64 } as const

const nullable = <T extends Parameters<typeof t.Optional>[0]>(schema: T) => t.Optional(t.Union([schema, t.Null()]))

/** Anthropic prompt caching, as OpenAI-compatible routers accept it on content parts. */
export const CacheControl = t.Object({
  type: t.Literal('ephemeral'),
  ttl: t.Optional(t.Union([t.Literal('5m'), t.Literal('1h')])),
})
export type CacheControl = Static<typeof CacheControl>

export const TextPart = t.Object({ type: t.Literal('text'), text: t.String(), cache_control: t.Optional(CacheControl) })
export const ImageUrlPart = t.Object({
  type: t.Literal('image_url'),
  image_url: t.Object({ url: t.String(), detail: t.Optional(t.String()) }),
  cache_control: t.Optional(CacheControl),
})
export const FilePart = t.Object({
  type: t.Literal('file'),
  file: t.Object({
    file_data: t.Optional(t.String()),
    file_id: t.Optional(t.String()),
    filename: t.Optional(t.String()),
  }),
  cache_control: t.Optional(CacheControl),
})
export const InputAudioPart = t.Object({
  type: t.Literal('input_audio'),
  input_audio: t.Object({ data: t.String(), format: t.String() }),
})
export const RefusalPart = t.Object({ type: t.Literal('refusal'), refusal: t.String() })

export const ContentPart = t.Union([TextPart, ImageUrlPart, FilePart, InputAudioPart, RefusalPart])
export type ContentPart = Static<typeof ContentPart>

export const MessageContent = t.Union([t.String(), t.Array(ContentPart, { maxItems: REQUEST_LIMITS.partsPerMessage }), t.Null()])
export type MessageContent = Static<typeof MessageContent>

export const FunctionCall = t.Object({ name: t.String({ minLength: 1 }), arguments: t.String() })

export const ToolCall = t.Object({
  id: t.String({ minLength: 1 }),
  type: t.Literal('function'),
  function: FunctionCall,
})
export type ToolCall = Static<typeof ToolCall>

export const ThinkingBlock = t.Union([
  t.Object({ type: t.Literal('thinking'), thinking: t.String(), signature: t.String() }),
  t.Object({ type: t.Literal('redacted_thinking'), data: t.String() }),
])
export type ThinkingBlock = Static<typeof ThinkingBlock>

export const MessageRole = t.Union([
  t.Literal('system'),
  t.Literal('developer'),
  t.Literal('user'),
  t.Literal('assistant'),
  t.Literal('tool'),
  t.Literal('function'),
])

/** One object for every role, so a wrong field is reported at its own path, not as "no union matched". */
export const ChatMessage = t.Object({
  role: MessageRole,
  content: t.Optional(MessageContent),
  name: t.Optional(t.String()),
  tool_calls: nullable(t.Array(ToolCall)),
  tool_call_id: t.Optional(t.String()),
  function_call: nullable(FunctionCall),
  refusal: nullable(t.String()),
  reasoning_content: nullable(t.String()),
  thinking_blocks: nullable(t.Array(ThinkingBlock)),
})
export type ChatMessage = Static<typeof ChatMessage>

export const KNOWN_MESSAGE_FIELDS: ReadonlySet<string> = new Set(Object.keys(ChatMessage.properties))

export const FunctionDefinition = t.Object({
  name: t.String({ minLength: 1, maxLength: 128 }),
  description: t.Optional(t.String()),
  parameters: t.Optional(t.Record(t.String(), t.Unknown())),
  strict: nullable(t.Boolean()),
})
export type FunctionDefinition = Static<typeof FunctionDefinition>

export const Tool = t.Object({ type: t.Literal('function'), function: FunctionDefinition })
export type Tool = Static<typeof Tool>

export const ToolChoice = t.Union([
  t.Literal('auto'),
  t.Literal('none'),
  t.Literal('required'),
  t.Object({ type: t.Literal('function'), function: t.Object({ name: t.String({ minLength: 1 }) }) }),
])
export type ToolChoice = Static<typeof ToolChoice>

export const LegacyFunctionCallChoice = t.Union([t.Literal('auto'), t.Literal('none'), t.Object({ name: t.String({ minLength: 1 }) })])

export const ResponseFormat = t.Union([
  t.Object({ type: t.Literal('text') }),
  t.Object({ type: t.Literal('json_object') }),
  t.Object({
    type: t.Literal('json_schema'),
    json_schema: t.Object({
      name: t.String(),
      description: t.Optional(t.String()),
      schema: t.Optional(t.Record(t.String(), t.Unknown())),
      strict: nullable(t.Boolean()),
    }),
  }),
])
export type ResponseFormat = Static<typeof ResponseFormat>

export const ReasoningEffort = t.Union([t.Literal('none'), t.Literal('minimal'), t.Literal('low'), t.Literal('medium'), t.Literal('high'), t.Literal('xhigh')])
export type ReasoningEffort = Static<typeof ReasoningEffort>

/** Fields accepted for compatibility that have no Anthropic equivalent: ignored and reported. */
export const IGNORED_FIELDS = [
  'seed',
  'presence_penalty',
  'frequency_penalty',
  'logit_bias',
  'store',
  'metadata',
  'service_tier',
  'prediction',
  'web_search_options',
] as const

const anyValue = t.Optional(t.Unknown())
const ignoredFieldSchemas = Object.fromEntries(IGNORED_FIELDS.map((name) => [name, anyValue])) as {
  [K in (typeof IGNORED_FIELDS)[number]]: typeof anyValue
}

/**
 * The Chat Completions request. Unknown top-level fields are allowed through validation so that
 * the mapping can report them instead of Elysia stripping them unseen.
 */
export const ChatCompletionRequest = t.Object(
  {
    model: t.Optional(t.String({ minLength: 1 })),
    messages: t.Array(ChatMessage, { minItems: 1, maxItems: REQUEST_LIMITS.messages }),
    max_tokens: nullable(t.Integer({ minimum: 1 })),
    max_completion_tokens: nullable(t.Integer({ minimum: 1 })),
    temperature: nullable(t.Number({ minimum: 0, maximum: 2 })),
    top_p: nullable(t.Number({ minimum: 0, maximum: 1 })),
    top_k: nullable(t.Integer({ minimum: 0 })),
    stop: nullable(t.Union([t.String(), t.Array(t.String(), { maxItems: REQUEST_LIMITS.stopSequences })])),
    stream: nullable(t.Boolean()),
    stream_options: nullable(t.Object({ include_usage: t.Optional(t.Boolean()) })),
    n: nullable(t.Integer({ minimum: 1 })),
    user: nullable(t.String()),
    tools: nullable(t.Array(Tool, { maxItems: REQUEST_LIMITS.tools })),
    tool_choice: nullable(ToolChoice),
    parallel_tool_calls: nullable(t.Boolean()),
    functions: nullable(t.Array(FunctionDefinition, { maxItems: REQUEST_LIMITS.tools })),
    function_call: nullable(LegacyFunctionCallChoice),
    response_format: nullable(ResponseFormat),
    reasoning_effort: nullable(ReasoningEffort),
    thinking: nullable(t.Object({ type: t.String() }, { additionalProperties: true })),
    logprobs: nullable(t.Boolean()),
    top_logprobs: nullable(t.Integer({ minimum: 0 })),
    modalities: nullable(t.Array(t.String())),
    audio: t.Optional(t.Unknown()),
    ...ignoredFieldSchemas,
  },
  { additionalProperties: true },
)
export type ChatCompletionRequest = Static<typeof ChatCompletionRequest>

export const KNOWN_REQUEST_FIELDS: ReadonlySet<string> = new Set(Object.keys(ChatCompletionRequest.properties))
