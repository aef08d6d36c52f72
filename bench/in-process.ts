// The gateway's own work, timed without sockets: requests go through the whole app (`app.handle`)
// with the upstream `fetch` stubbed by the benchmark's own answers; a stream's body arrives as its
// head, then 64 KiB reads, as from a socket. What is left of a request's cost in `bun run bench` is
// Bun's server and fetch. Quieter than the socket benchmark, so it can tell small changes apart.
// `bun bench/in-process.ts` (`npm run bench:in-process`).

import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApp } from '../src/app.ts'
import { loadConfig } from '../src/config/load-config.ts'
import { createLogger } from '../src/logging/logger.ts'
import { textVariant } from './anthropic-bodies.ts'
import { percentile } from './stats.ts'

const READ_SIZE = 64 * 1024
const ROUNDS = 5
const settings = { requests: 20_000, streams: 1_000, warmup: 0.2, streamEvents: 1000 } as const

const answer = textVariant(settings.streamEvents)
// As the socket benchmark's upstream sends it: the head (message_start and the first block) alone,
// then the rest, here cut into reads.
const [streamHead, streamRest] = answer.twoWrites
const streamReads = [
  streamHead,
  ...Array.from({ length: Math.ceil(streamRest.length / READ_SIZE) }, (_, i) => streamRest.subarray(i * READ_SIZE, (i + 1) * READ_SIZE)),
]

const stubFetch = (async (_url: string, init: RequestInit) => {
  if (!String(init.body).includes('"stream":true')) return new Response(answer.json, { headers: { 'content-type': 'application/json' } })
  let next = 0
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const read = streamReads[next++]
      if (read) controller.enqueue(read)
      else controller.close()
    },
  })
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } })
}) as unknown as typeof fetch

const config = loadConfig({
  UPSTREAM_API_URL: 'http://127.0.0.1:9/v1/messages',
  UPSTREAM_API_KEY: 'bench-upstream',
  ALLOWED_API_KEYS: 'sk-bench',
  LOG_LEVEL: 'warn',
  // The Responses timing sends store:false (as Codex does); nothing is written here.
  RESPONSES_DB_PATH: join(tmpdir(), `bench-in-process-${process.pid}.sqlite`),
})
const { app } = createApp({ config, log: createLogger(config.logLevel, () => {}), fetch: stubFetch })

/** One request through the whole app; `done` tells a complete answer's text. */
const call = (path: string, payload: Record<string, unknown>, done: (text: string) => boolean) => {
  const body = JSON.stringify(payload)
  const headers = { 'content-type': 'application/json', authorization: 'Bearer sk-bench', 'content-length': String(body.length) }
  return async () => {
    const response = await app.handle(new Request(`http://127.0.0.1${path}`, { method: 'POST', body, headers }))
    const text = await response.text()
    if (response.status !== 200 || !done(text)) throw new Error(`wrong answer: ${response.status} ${text.slice(0, 200)}`)
  }
}
const request = (stream: boolean) =>
  call('/v1/chat/completions', { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Say hello' }], max_tokens: 512, stream }, (text) =>
    stream ? text.endsWith('data: [DONE]\n\n') : true,
  )
const responsesStream = call('/v1/responses', { model: 'claude-sonnet-4-5', input: 'Say hello', max_output_tokens: 512, stream: true, store: false }, (text) =>
  text.includes('event: response.completed\n'),
)

/** The median of ROUNDS timed rounds of `count` sequential calls, in µs per call. */
async function time(call: () => Promise<void>, count: number): Promise<number> {
  for (let i = 0; i < count * settings.warmup; i++) await call()
  const perCall: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now()
    for (let i = 0; i < count; i++) await call()
    perCall.push(((performance.now() - started) * 1000) / count)
  }
  return percentile(perCall, 50)
}

const nonStream = await time(request(false), settings.requests)
console.log(`non-stream request: ${nonStream.toFixed(2)} µs (median of ${ROUNDS} rounds of ${settings.requests})`)
const stream = await time(request(true), settings.streams)
console.log(
  `stream of ${settings.streamEvents} events: ${(stream / 1000).toFixed(3)} ms, ${(stream / settings.streamEvents).toFixed(3)} µs per event ` +
    `(median of ${ROUNDS} rounds of ${settings.streams})`,
)
const responses = await time(responsesStream, settings.streams)
console.log(
  `/v1/responses stream (store:false) of ${settings.streamEvents} events: ${(responses / 1000).toFixed(3)} ms, ${(responses / stream).toFixed(2)} × chat`,
)
