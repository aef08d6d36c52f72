// The Responses API as the gateway answers it: the response object, its output items and the
// stream events (shared/docs/responses-api.md §3, §5; field facts from the `openai` Node SDK v7
// `resources/responses/responses.ts` and OpenAI streams recorded in the Vercel AI SDK's fixtures).
// The request side is in responses-request-schema.ts.
import { type Static, type TSchema, Type as t } from '@sinclair/typebox'

const nullable = <T extends TSchema>(schema: T) => t.Union([schema, t.Null()])

export const ItemStatus = t.Union([t.Literal('in_progress'), t.Literal('completed'), t.Literal('incomplete')])
export type ItemStatus = Static<typeof ItemStatus>

/** The gateway never annotates (Anthropic citations are not mapped), so `annotations` is always []. */
export const OutputText = t.Object({ type: t.Literal('output_text'), text: t.String(), annotations: t.Array(t.Unknown()) })
export type OutputText = Static<typeof OutputText>

/** Why the model declined (Anthropic's `stop_details.explanation`), as chat completions' `message.refusal`. */
export const RefusalPart = t.Object({ type: t.Literal('refusal'), refusal: t.String() })
export type RefusalPart = Static<typeof RefusalPart>

export const MessageItem = t.Object({
  type: t.Literal('message'),
  id: t.String(),
  status: ItemStatus,
  role: t.Literal('assistant'),
  content: t.Array(t.Union([OutputText, RefusalPart])),
})
export type MessageItem = Static<typeof MessageItem>

export const FunctionCallItem = t.Object({
  type: t.Literal('function_call'),
  id: t.String(),
  /** The Anthropic tool_use id, which the client sends back with the result. */
  call_id: t.String({ minLength: 1 }),
  name: t.String(),
  /** Codex's namespace tools: the call names its namespace and the inner tool apart. */
  namespace: t.Optional(t.String()),
  arguments: t.String(),
  status: ItemStatus,
})
export type FunctionCallItem = Static<typeof FunctionCallItem>

/** A call of a freeform (`custom`) tool such as Codex's `apply_patch`: one string of input. */
export const CustomToolCallItem = t.Object({
  type: t.Literal('custom_tool_call'),
  id: t.String(),
  call_id: t.String({ minLength: 1 }),
  name: t.String(),
  namespace: t.Optional(t.String()),
  input: t.String(),
  status: ItemStatus,
})
export type CustomToolCallItem = Static<typeof CustomToolCallItem>

export const SummaryText = t.Object({ type: t.Literal('summary_text'), text: t.String() })
export type SummaryText = Static<typeof SummaryText>

export const ReasoningItem = t.Object({
  type: t.Literal('reasoning'),
  id: t.String(),
  summary: t.Array(SummaryText),
  /** The whole thinking block, signature included, in the gateway's own opaque encoding. */
  encrypted_content: t.Optional(t.String()),
})
export type ReasoningItem = Static<typeof ReasoningItem>

/** Anthropic's server web search, run upstream: shown, never called by the client. */
export const WebSearchCallItem = t.Object({
  type: t.Literal('web_search_call'),
  id: t.String(),
  status: t.Union([t.Literal('in_progress'), t.Literal('completed')]),
  action: t.Object({ type: t.Literal('search'), query: t.Optional(t.String()) }),
})
export type WebSearchCallItem = Static<typeof WebSearchCallItem>

export const OutputItem = t.Union([MessageItem, FunctionCallItem, CustomToolCallItem, ReasoningItem, WebSearchCallItem])
export type OutputItem = Static<typeof OutputItem>
export type OutputItemType = OutputItem['type']

export const ResponseUsage = t.Object({
  /** Cache reads and writes included, as chat completions' `prompt_tokens`. */
  input_tokens: t.Integer(),
  input_tokens_details: t.Object({ cached_tokens: t.Integer(), cache_write_tokens: t.Integer() }),
  /** Thinking included. */
  output_tokens: t.Integer(),
  output_tokens_details: t.Object({ reasoning_tokens: t.Integer() }),
  total_tokens: t.Integer(),
})
export type ResponseUsage = Static<typeof ResponseUsage>

export const ResponseStatus = t.Union([t.Literal('in_progress'), t.Literal('completed'), t.Literal('incomplete'), t.Literal('failed')])
export type ResponseStatus = Static<typeof ResponseStatus>

export const IncompleteDetails = nullable(t.Object({ reason: t.Union([t.Literal('max_output_tokens'), t.Literal('content_filter')]) }))
export type IncompleteDetails = Static<typeof IncompleteDetails>

/** `code` is the gateway's error code (`rate_limit_exceeded`, `context_length_exceeded`, `stream_incomplete`, …). */
export const ResponseError = nullable(t.Object({ code: t.String(), message: t.String() }))
export type ResponseError = Static<typeof ResponseError>

/**
 * The response fields known before the answer: the route fills them from the request (echoes of
 * what the client sent, `model` as the client named it) and both answer paths add the rest.
 */
export const ResponseSkeleton = t.Object({
  id: t.String(),
  created_at: t.Integer(),
  model: t.String(),
  instructions: nullable(t.Union([t.String(), t.Array(t.Unknown())])),
  max_output_tokens: nullable(t.Integer()),
  metadata: nullable(t.Record(t.String(), t.String())),
  parallel_tool_calls: t.Boolean(),
  previous_response_id: nullable(t.String()),
  reasoning: nullable(t.Object({ effort: nullable(t.String()), summary: nullable(t.String()) })),
  store: t.Boolean(),
  temperature: nullable(t.Number()),
  text: t.Object({ format: t.Unknown() }, { additionalProperties: true }),
  tool_choice: t.Unknown(),
  tools: t.Array(t.Unknown()),
  top_p: nullable(t.Number()),
  truncation: t.Union([t.Literal('auto'), t.Literal('disabled')]),
})
export type ResponseSkeleton = Static<typeof ResponseSkeleton>

export const ResponseObject = t.Composite([
  ResponseSkeleton,
  t.Object({
    object: t.Literal('response'),
    status: ResponseStatus,
    error: ResponseError,
    incomplete_details: IncompleteDetails,
    output: t.Array(OutputItem),
    usage: nullable(ResponseUsage),
  }),
])
export type ResponseObject = Static<typeof ResponseObject>

// Stream events (§5). Each carries `type` and `sequence_number` (from 0, +1 per event).
const event = <K extends string, P extends Parameters<typeof t.Object>[0]>(type: K, fields: P) =>
  t.Object({ type: t.Literal(type), sequence_number: t.Integer({ minimum: 0 }), ...fields })

const inItem = { item_id: t.String(), output_index: t.Integer({ minimum: 0 }) }
const inContent = { ...inItem, content_index: t.Integer({ minimum: 0 }) }
const inSummary = { ...inItem, summary_index: t.Integer({ minimum: 0 }) }
/** The gateway has no logprobs; the SDK types require the field on text events (OpenAI sends []). */
const noLogprobs = { logprobs: t.Array(t.Unknown(), { maxItems: 0 }) }

export const ResponseStreamEvent = t.Union([
  event('response.created', { response: ResponseObject }),
  event('response.in_progress', { response: ResponseObject }),
  event('response.output_item.added', { output_index: t.Integer({ minimum: 0 }), item: OutputItem }),
  event('response.content_part.added', { ...inContent, part: t.Union([OutputText, RefusalPart]) }),
  event('response.output_text.delta', { ...inContent, delta: t.String(), ...noLogprobs }),
  event('response.output_text.done', { ...inContent, text: t.String(), ...noLogprobs }),
  event('response.content_part.done', { ...inContent, part: t.Union([OutputText, RefusalPart]) }),
  event('response.refusal.delta', { ...inContent, delta: t.String() }),
  event('response.refusal.done', { ...inContent, refusal: t.String() }),
  event('response.function_call_arguments.delta', { ...inItem, delta: t.String() }),
  /** `name` beyond the SDK type (which ignores it): the event names its call on its own (responses-api.md §5). */
  event('response.function_call_arguments.done', { ...inItem, name: t.String(), arguments: t.String() }),
  event('response.custom_tool_call_input.delta', { ...inItem, delta: t.String() }),
  event('response.custom_tool_call_input.done', { ...inItem, input: t.String() }),
  event('response.reasoning_summary_part.added', { ...inSummary, part: SummaryText }),
  event('response.reasoning_summary_text.delta', { ...inSummary, delta: t.String() }),
  event('response.reasoning_summary_text.done', { ...inSummary, text: t.String() }),
  event('response.reasoning_summary_part.done', { ...inSummary, part: SummaryText }),
  event('response.output_item.done', { output_index: t.Integer({ minimum: 0 }), item: OutputItem }),
  event('response.completed', { response: ResponseObject }),
  event('response.incomplete', { response: ResponseObject }),
  event('response.failed', { response: ResponseObject }),
])
export type ResponseStreamEvent = Static<typeof ResponseStreamEvent>
export type ResponseStreamEventType = ResponseStreamEvent['type']
