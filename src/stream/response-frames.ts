import type { ResponseStreamEventType } from '../openai/responses-schema.ts'

const EVENT_TYPES: readonly ResponseStreamEventType[] = [
  'response.created',
  'response.in_progress',
  'response.output_item.added',
  'response.content_part.added',
  'response.output_text.delta',
  'response.output_text.done',
  'response.content_part.done',
  'response.refusal.delta',
  'response.refusal.done',
  'response.function_call_arguments.delta',
  'response.function_call_arguments.done',
  'response.custom_tool_call_input.delta',
  'response.custom_tool_call_input.done',
  'response.reasoning_summary_part.added',
  'response.reasoning_summary_text.delta',
  'response.reasoning_summary_text.done',
  'response.reasoning_summary_part.done',
  'response.output_item.done',
  'response.completed',
  'response.incomplete',
  'response.failed',
]

/** `event: <type>\ndata: {"type":"<type>",`: the start of every frame of a type, built once at start-up. */
const HEADS = Object.fromEntries(EVENT_TYPES.map((type) => [type, `event: ${type}\ndata: {"type":"${type}",`])) as Readonly<
  Record<ResponseStreamEventType, string>
>

/**
 * SSE frames of one Responses stream (responses-api.md §5): `event: <type>` and a `data:` object
 * with `type` and `sequence_number` (from 0, +1 per event). Callers pass the event's other members
 * as JSON text, so a delta costs string joins and no serialisation.
 */
export const createResponseFrames = () => {
  let sequence = 0
  return {
    /** `members` is the event's JSON members without braces, e.g. `"output_index":0,"item":{…}`. */
    frame: (type: ResponseStreamEventType, members: string) => `${HEADS[type]}${members},"sequence_number":${sequence++}}\n\n`,
    /** The start of a frame whose members end in a value still to come (a delta's JSON string literal). */
    head: (type: ResponseStreamEventType, leadingMembers: string) => `${HEADS[type]}${leadingMembers}`,
    /** Ends a frame begun with `head` and its value. */
    tail: () => `,"sequence_number":${sequence++}}\n\n`,
  }
}

export type ResponseFrames = ReturnType<typeof createResponseFrames>
