import { Adjustments } from '../../src/mapping/adjustments.ts'
import type { AnthropicRequestPlan } from '../../src/mapping/to-anthropic-request.ts'
import { openUpstreamStream, toChunkStream } from '../../src/routes/answer-stream.ts'
import type { StreamOutcome } from '../../src/stream/anthropic-to-openai.ts'

const encoder = new TextEncoder()

export const planFor = (overrides: Partial<AnthropicRequestPlan> = {}): AnthropicRequestPlan => ({
  body: { model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }], stream: true },
  requestedModel: 'gpt-4o',
  stream: true,
  includeUsage: false,
  n: 1,
  jsonTool: false,
  legacyFunctions: false,
  adjustments: new Adjustments(),
  ...overrides,
})

export const TEST_STREAM_SETTINGS = { idleTimeoutSeconds: 5, clientIdleSeconds: 5, heartbeatMs: 0, maxEventSize: 16 * 1024 * 1024 }

/** Bytes as an upstream event stream, opened as the routes open it. A number among the chunks is a pause of that many milliseconds. */
export const openTestStream = async (chunks: readonly (string | Uint8Array | number)[], { heartbeatMs = 0, contentType = 'text/event-stream' } = {}) => {
  let i = 0
  let aborted: unknown
  let upstream: ReadableStreamDefaultController<Uint8Array>
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      upstream = controller
    },
    async pull(controller) {
      let chunk = chunks[i++]
      while (typeof chunk === 'number') {
        await Bun.sleep(chunk)
        chunk = chunks[i++]
      }
      if (aborted !== undefined) return
      if (chunk === undefined) return controller.close()
      controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk)
    },
  })
  const response = new Response(body, { headers: { 'content-type': contentType } })
  // As fetch's abort does: a pending read of the (locked) body rejects with the reason.
  const abort = (reason: unknown) => {
    if (aborted !== undefined) return
    aborted = reason
    upstream.error(reason)
  }
  const reply = { response, attempts: 1, requestId: null, abort, upstream: 'default', adjustments: [] }
  return openUpstreamStream(reply, { ...TEST_STREAM_SETTINGS, heartbeatMs })
}

/**
 * Bytes → the gateway's real stream pipeline (as the route composes it) → the client's text.
 * A number among the chunks is a pause of that many milliseconds.
 */
export const runStream = async (
  chunks: readonly (string | Uint8Array | number)[],
  { plan = planFor(), heartbeatMs = 0, contentType = 'text/event-stream' } = {},
): Promise<{ text: string; outcome: StreamOutcome | undefined }> => {
  const opened = await openTestStream(chunks, { heartbeatMs, contentType })
  let outcome: StreamOutcome | undefined
  const { frames } = toChunkStream({
    opened,
    plan,
    id: 'chatcmpl-test',
    created: 1700000000,
    choiceIndex: 0,
    terminal: true,
    settings: { ...TEST_STREAM_SETTINGS, heartbeatMs },
    onEnd: (o) => {
      outcome = o
    },
  })
  const text = await new Response(frames).text()
  return { text, outcome }
}

/** `bytes` cut at the given offsets. */
export const splitAt = (bytes: Uint8Array, offsets: readonly number[]) => {
  const cuts = [0, ...offsets.filter((o) => o > 0 && o < bytes.length).sort((a, b) => a - b), bytes.length]
  return cuts.slice(1).map((end, k) => bytes.subarray(cuts[k], end))
}

type ChunkChoice = { index: number; delta?: Record<string, unknown>; finish_reason?: string | null }
type ToolCallDelta = { index: number; id?: string; type?: string; function?: { name?: string; arguments?: string } }

/**
 * What a client reads from a chunk stream, whatever the chunk boundaries (wire doc §3.5): per
 * choice the joined content, reasoning and refusal, each tool call's id, name and joined
 * arguments, the thinking blocks, the finish reasons; then usage, errors, comments and the end.
 */
export const streamContent = (text: string) => {
  const frames = text.split('\n\n').filter(Boolean)
  const choices: Record<
    number,
    {
      content: string
      reasoning: string
      refusal: string
      roles: unknown[]
      thinking: unknown[]
      tools: Record<number, { id: string; name: string; arguments: string }>
      finish: unknown[]
    }
  > = {}
  const usage: unknown[] = []
  const errors: unknown[] = []
  for (const frame of frames) {
    if (!frame.startsWith('data: ') || frame === 'data: [DONE]') continue
    const chunk = JSON.parse(frame.slice(6))
    if (chunk.error) errors.push(chunk.error)
    if (chunk.usage) usage.push(chunk.usage)
    for (const choice of (chunk.choices ?? []) as ChunkChoice[]) {
      const into = (choices[choice.index] ??= { content: '', reasoning: '', refusal: '', roles: [], thinking: [], tools: {}, finish: [] })
      const delta = choice.delta ?? {}
      if (delta.role !== undefined) into.roles.push(delta.role)
      into.content += (delta.content as string | undefined) ?? ''
      into.reasoning += (delta.reasoning_content as string | undefined) ?? ''
      into.refusal += (delta.refusal as string | undefined) ?? ''
      into.thinking.push(...((delta.thinking_blocks as unknown[] | undefined) ?? []))
      for (const call of (delta.tool_calls as ToolCallDelta[] | undefined) ?? []) {
        const tool = (into.tools[call.index] ??= { id: '', name: '', arguments: '' })
        tool.id += call.id ?? ''
        tool.name += call.function?.name ?? ''
        tool.arguments += call.function?.arguments ?? ''
      }
      if (choice.finish_reason) into.finish.push(choice.finish_reason)
    }
  }
  return { choices, usage, errors, comments: frames.filter((frame) => frame.startsWith(':')), last: frames.at(-1) }
}
