import { heapStats } from 'bun:jsc'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { messageStart, SSE_HEAD, textDelta, textStart } from '../support/reliability-tcp.ts'
import { startGateway, type TestGateway } from '../support/test-gateway.ts'

/**
 * An open stream must not keep its request alive: the prompt is sent upstream once and then only
 * weighs on memory. Closures made inside a route's async handler keep every variable of it (the
 * parsed body, the upstream JSON text) for as long as the stream holds them; that cost 1 to 2.5 ×
 * the prompt per open stream before. Each case holds STREAMS streams of a PROMPT_BYTES prompt open
 * (an upstream that sends its head and then nothing), collects garbage, and compares the heap.
 */
const STREAMS = 6
const PROMPT_BYTES = 2 * 1024 * 1024
/**
 * Below one prompt, above what stays without our code keeping anything: Bun's own buffers of a
 * request whose answer still streams (measured: a bare Bun.serve and fetch in one process hold
 * 264 KiB per open stream after a 2 MiB body; here two hops, about 0.6 MiB). Before the fix
 * responses held 5.9 MB per stream, messages 2.7 MB.
 */
const MAX_HEAP_PER_STREAM = PROMPT_BYTES / 2

let gw: TestGateway
let upstream: ReturnType<typeof Bun.serve>
/** The readers of the streams held open, cancelled at the end. */
const held: { cancel: () => Promise<unknown> }[] = []

beforeAll(async () => {
  const head = new TextEncoder().encode(messageStart() + textStart() + textDelta('Hi'))
  upstream = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(request) {
      await request.arrayBuffer()
      // The head, then silence: the stream stays open until the test ends.
      return new Response(new ReadableStream({ start: (controller) => controller.enqueue(head) }), { headers: SSE_HEAD })
    },
  })
  gw = await startGateway({
    env: { UPSTREAM_API_URL: `http://127.0.0.1:${upstream.port}/v1/messages`, UPSTREAM_TIMEOUT: '60' },
  })
})

afterAll(async () => {
  for (const reader of held) await reader.cancel().catch(() => {})
  await gw?.stop()
  upstream?.stop(true)
})

/** A request body of its own for each stream, so the test itself keeps no prompt. */
const ROUTES: [string, string, () => string][] = [
  [
    'chat completions',
    '/v1/chat/completions',
    () => JSON.stringify({ model: 'claude-sonnet-4-5', stream: true, messages: [{ role: 'user', content: 'p'.repeat(PROMPT_BYTES) }] }),
  ],
  [
    'responses (store: false)',
    '/v1/responses',
    () => JSON.stringify({ model: 'claude-sonnet-4-5', stream: true, store: false, input: 'p'.repeat(PROMPT_BYTES) }),
  ],
  [
    'messages (native)',
    '/v1/messages',
    () => JSON.stringify({ model: 'claude-sonnet-4-5', stream: true, max_tokens: 64, messages: [{ role: 'user', content: 'p'.repeat(PROMPT_BYTES) }] }),
  ],
]

describe('an open stream does not keep its prompt', () => {
  test.each(ROUTES)('%s', async (_name, path, body) => {
    Bun.gc(true)
    const before = heapStats().heapSize
    for (let i = 0; i < STREAMS; i++) {
      const response = await gw.post(path, body())
      expect(response.status).toBe(200)
      const reader = (response.body as ReadableStream<Uint8Array>).getReader()
      // The first frames are out: the handler has returned and the stream is open.
      expect((await reader.read()).done).toBe(false)
      held.push(reader)
    }
    expect(gw.registry.size).toBeGreaterThanOrEqual(STREAMS)
    Bun.gc(true)
    const perStream = (heapStats().heapSize - before) / STREAMS
    expect(perStream).toBeLessThan(MAX_HEAP_PER_STREAM)
  })
})
