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
  adjustments: new Adjustments(),
  ...overrides,
})

/**
 * Bytes → the gateway's real stream pipeline (as the route composes it) → the client's text.
 * A number among the chunks is a pause of that many milliseconds.
 */
export const runStream = async (
  chunks: readonly (string | Uint8Array | number)[],
  { plan = planFor(), heartbeatMs = 0, contentType = 'text/event-stream' } = {},
): Promise<{ text: string; outcome: StreamOutcome | undefined }> => {
  let i = 0
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk = chunks[i++]
      while (typeof chunk === 'number') {
        await Bun.sleep(chunk)
        chunk = chunks[i++]
      }
      if (chunk === undefined) return controller.close()
      controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk)
    },
  })
  const response = new Response(body, { headers: { 'content-type': contentType } })
  const reply = { response, attempts: 1, requestId: null, abort: () => body.cancel().catch(() => {}), upstream: 'default', adjustments: [] }
  const settings = { idleTimeoutSeconds: 5, clientIdleSeconds: 5, heartbeatMs, maxEventSize: 16 * 1024 * 1024 }
  const opened = await openUpstreamStream(reply, settings)
  let outcome: StreamOutcome | undefined
  const { frames } = toChunkStream({
    opened,
    plan,
    id: 'chatcmpl-test',
    created: 1700000000,
    choiceIndex: 0,
    terminal: true,
    settings,
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
