import type { ResponsesOutputContext } from '../../src/mapping/to-responses-output.ts'
import type { ResponseSkeleton } from '../../src/openai/responses-schema.ts'
import { toResponsesEventStream } from '../../src/routes/answer-responses-stream.ts'
import type { ResponsesStreamOutcome } from '../../src/stream/anthropic-to-responses.ts'
import { openTestStream, TEST_STREAM_SETTINGS } from './stream-pipeline.ts'

/** A mapping context whose ids count per prefix (`msg_1`, `fc_1`, `fc_2`…), so tests can name them. */
export const responsesContext = (overrides: Partial<ResponsesOutputContext> = {}): ResponsesOutputContext => {
  const counts = new Map<string, number>()
  return {
    newId: (prefix) => {
      const n = (counts.get(prefix) ?? 0) + 1
      counts.set(prefix, n)
      return `${prefix}_${n}`
    },
    includeEncryptedReasoning: false,
    summary: false,
    toolNames: new Map(),
    jsonTool: undefined,
    ...overrides,
  }
}

export const SKELETON: ResponseSkeleton = {
  id: 'resp_test',
  created_at: 1700000000,
  model: 'gpt-5',
  instructions: null,
  max_output_tokens: null,
  metadata: {},
  parallel_tool_calls: true,
  previous_response_id: null,
  reasoning: null,
  store: false,
  temperature: null,
  text: { format: { type: 'text' } },
  tool_choice: 'auto',
  tools: [],
  top_p: null,
  truncation: 'disabled',
}

export type SentEvent = { event: string; data: any }

/** The events of a Responses SSE text (comments left out), each with its `event:` name and parsed data. */
export const responseEvents = (text: string): SentEvent[] =>
  text
    .split('\n\n')
    .filter((frame) => frame !== '' && !frame.startsWith(':'))
    .map((frame) => {
      const [eventLine, dataLine, ...rest] = frame.split('\n')
      if (!eventLine?.startsWith('event: ') || !dataLine?.startsWith('data: ') || rest.length > 0) throw new Error(`not one event: ${frame}`)
      return { event: eventLine.slice(7), data: JSON.parse(dataLine.slice(6)) }
    })

type RunOptions = Partial<Parameters<typeof toResponsesEventStream>[0]> & { heartbeatMs?: number; idleTimeoutSeconds?: number }

/** Upstream bytes → the Responses stream as the route composes it → the client's text, events and the outcome. */
export const runResponsesStream = async (chunks: readonly (string | Uint8Array | number)[], options: RunOptions = {}) => {
  const { heartbeatMs = 0, idleTimeoutSeconds = TEST_STREAM_SETTINGS.idleTimeoutSeconds } = options
  const opened = await openTestStream(chunks, { heartbeatMs })
  let outcome: ResponsesStreamOutcome | undefined
  const { frames } = toResponsesEventStream({
    opened,
    skeleton: options.skeleton ?? SKELETON,
    context: options.context ?? responsesContext(),
    settings: { ...TEST_STREAM_SETTINGS, heartbeatMs, idleTimeoutSeconds },
    beforeTerminal: options.beforeTerminal,
    onEnd: (o) => {
      outcome = o
    },
  })
  const text = await new Response(frames).text()
  await Bun.sleep(0)
  return { text, events: responseEvents(text), outcome }
}

/**
 * What a client reads from a Responses stream whatever the upstream's read boundaries (deltas of
 * one read are joined, wire doc §3.5): the events without their sequence numbers, consecutive
 * deltas of one item joined into one.
 */
export const responsesContent = (events: readonly SentEvent[]) => {
  const joined: SentEvent[] = []
  for (const { event, data } of events) {
    const { sequence_number: _sequence, ...rest } = data
    const last = joined.at(-1)
    if (event.endsWith('.delta') && last?.event === event && last.data.item_id === rest.item_id && typeof rest.delta === 'string') {
      last.data.delta += rest.delta
    } else joined.push({ event, data: rest })
  }
  return joined
}
