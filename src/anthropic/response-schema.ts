import { type Static, Type as t } from '@sinclair/typebox'

/** What the Messages API answers; loose where the API may add fields or block types later. */
const open = { additionalProperties: true } as const

export const Usage = t.Object(
  {
    input_tokens: t.Optional(t.Union([t.Integer(), t.Null()])),
    output_tokens: t.Optional(t.Union([t.Integer(), t.Null()])),
    cache_read_input_tokens: t.Optional(t.Union([t.Integer(), t.Null()])),
    cache_creation_input_tokens: t.Optional(t.Union([t.Integer(), t.Null()])),
    output_tokens_details: t.Optional(t.Union([t.Object({ thinking_tokens: t.Optional(t.Union([t.Integer(), t.Null()])) }, open), t.Null()])),
  },
  open,
)
export type Usage = Static<typeof Usage>

export const ResponseBlock = t.Union([
  t.Object({ type: t.Literal('text'), text: t.String() }, open),
  t.Object({ type: t.Literal('tool_use'), id: t.String(), name: t.String(), input: t.Unknown() }, open),
  t.Object({ type: t.Literal('thinking'), thinking: t.String(), signature: t.String() }, open),
  t.Object({ type: t.Literal('redacted_thinking'), data: t.String() }, open),
  /** Server tools run by the API itself: logged, never shown as tool calls. */
  t.Object(
    {
      type: t.Union([
        t.Literal('server_tool_use'),
        t.Literal('web_search_tool_result'),
        t.Literal('web_fetch_tool_result'),
        t.Literal('code_execution_tool_result'),
        t.Literal('mcp_tool_use'),
        t.Literal('mcp_tool_result'),
        t.Literal('container_upload'),
      ]),
    },
    open,
  ),
])
export type ResponseBlock = Static<typeof ResponseBlock>

export const StopReason = t.Union([t.String(), t.Null()])
export type StopReason = Static<typeof StopReason>

export const StopDetails = t.Union([t.Object({ explanation: t.Optional(t.String()) }, open), t.Null()])
export type StopDetails = Static<typeof StopDetails>

export const Message = t.Object(
  {
    id: t.String(),
    type: t.Literal('message'),
    role: t.Literal('assistant'),
    model: t.String(),
    content: t.Array(ResponseBlock),
    stop_reason: StopReason,
    stop_sequence: t.Optional(t.Union([t.String(), t.Null()])),
    stop_details: t.Optional(StopDetails),
    usage: Usage,
  },
  open,
)
export type Message = Static<typeof Message>

export const ErrorBody = t.Object(
  {
    type: t.Literal('error'),
    error: t.Object({ type: t.String(), message: t.String() }, open),
    request_id: t.Optional(t.String()),
  },
  open,
)
export type ErrorBody = Static<typeof ErrorBody>
