import { type Static, Type as t } from '@sinclair/typebox'
import { ErrorBody, Message, ResponseBlock, StopDetails, StopReason, Usage } from './response-schema.ts'

/** The Messages API's SSE events (https://docs.anthropic.com/en/docs/build-with-claude/streaming). */
const open = { additionalProperties: true } as const

export const MessageStartEvent = t.Object({ type: t.Literal('message_start'), message: Message }, open)

export const ContentBlockStartEvent = t.Object({ type: t.Literal('content_block_start'), index: t.Integer(), content_block: ResponseBlock }, open)

export const BlockDelta = t.Union([
  t.Object({ type: t.Literal('text_delta'), text: t.String() }, open),
  t.Object({ type: t.Literal('input_json_delta'), partial_json: t.String() }, open),
  t.Object({ type: t.Literal('thinking_delta'), thinking: t.String() }, open),
  t.Object({ type: t.Literal('signature_delta'), signature: t.String() }, open),
  t.Object({ type: t.Literal('citations_delta') }, open),
])

export const ContentBlockDeltaEvent = t.Object({ type: t.Literal('content_block_delta'), index: t.Integer(), delta: BlockDelta }, open)
export const ContentBlockStopEvent = t.Object({ type: t.Literal('content_block_stop'), index: t.Integer() }, open)

export const MessageDeltaEvent = t.Object(
  {
    type: t.Literal('message_delta'),
    delta: t.Object({ stop_reason: t.Optional(StopReason), stop_details: t.Optional(StopDetails) }, open),
    usage: t.Optional(Usage),
  },
  open,
)
export const MessageStopEvent = t.Object({ type: t.Literal('message_stop') }, open)
export const PingEvent = t.Object({ type: t.Literal('ping') }, open)
export const ErrorEvent = ErrorBody

export const StreamEvent = t.Union([
  MessageStartEvent,
  ContentBlockStartEvent,
  ContentBlockDeltaEvent,
  ContentBlockStopEvent,
  MessageDeltaEvent,
  MessageStopEvent,
  PingEvent,
  ErrorEvent,
])
export type StreamEvent = Static<typeof StreamEvent>
