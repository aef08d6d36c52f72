// A mock Anthropic Messages API that costs as little as possible, so that a benchmark measures
// the proxy in front of it. Configured by env:
//   PORT                     port on 127.0.0.1 (required)
//   FAST_UPSTREAM_EVENTS     content_block_delta events per stream (default 1000)
//   FAST_UPSTREAM_DELAY_MS   pause between stream events (default 0: the stream is two writes,
//                            its head and then the rest, 1 ms apart: a model's time to first
//                            token, shortened)
//   FAST_UPSTREAM_STALL_MS   how long the "stall" fault stalls (default 5000)
//   FAST_UPSTREAM_FAIL_RATIO share of requests (0 to 1, default 0) answered 529 overloaded or 500,
//                            at random, before any fault or answer: one failing member of a pool
// A request with `tools` gets a tool_use answer; `bench-fault=<kind>` in a request picks a fault.
// GET /stats reports paced streams open now and the most open at once since the last
// GET /stats?reset=1, so a benchmark can check that a proxy really held its streams open together.

import { textVariant, toolVariant } from './anthropic-bodies.ts'
import { failingAnswer, faultIn, faultResponse } from './faults.ts'
import { pacedResponse } from './paced-response.ts'

const port = Number(process.env.PORT)
const deltas = Number(process.env.FAST_UPSTREAM_EVENTS ?? 1000)
const delayMs = Number(process.env.FAST_UPSTREAM_DELAY_MS ?? 0)
const stallMs = Number(process.env.FAST_UPSTREAM_STALL_MS ?? 5000)
const failRatio = Number(process.env.FAST_UPSTREAM_FAIL_RATIO ?? 0)
// A typo would otherwise run a "failing" upstream that never fails (NaN) or always does.
if (!(failRatio >= 0 && failRatio <= 1)) throw new Error(`FAST_UPSTREAM_FAIL_RATIO must be a number from 0 to 1, not ${process.env.FAST_UPSTREAM_FAIL_RATIO}`)

const text = textVariant(deltas)
const tool = toolVariant(deltas)
const jsonHeaders = { 'content-type': 'application/json' }
const sseHeaders = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' }

let open = 0
let peakOpen = 0
const settled = () => open--

Bun.serve({
  hostname: '127.0.0.1',
  port,
  idleTimeout: 60,
  async fetch(req) {
    const url = new URL(req.url)
    if (req.method === 'GET' && url.pathname === '/health') return new Response('ok')
    if (req.method === 'GET' && url.pathname === '/stats') {
      const stats = Response.json({ open, peakOpen })
      if (url.searchParams.has('reset')) peakOpen = open
      return stats
    }
    if (req.method !== 'POST' || url.pathname !== '/v1/messages') return new Response('not found', { status: 404 })

    // The body must be read to tell a stream from a plain request; all else is prepared.
    const raw = await req.text()
    const body = JSON.parse(raw) as { stream?: boolean; tools?: unknown[] }
    const stream = body.stream === true
    const answer = body.tools?.length ? tool : text
    if (Math.random() < failRatio) return failingAnswer()
    const fault = faultIn(raw)
    if (fault) return faultResponse(fault, stream, answer, delayMs, stallMs)
    if (!stream) return new Response(answer.json, { headers: jsonHeaders })
    if (delayMs === 0) return pacedResponse(answer.twoWrites, sseHeaders, { delayMs: 1, ending: 'end' })
    peakOpen = Math.max(peakOpen, ++open)
    return pacedResponse(answer.events, sseHeaders, { delayMs, ending: 'end', onSettled: settled })
  },
})

console.log(`fast-upstream listening on 127.0.0.1:${port} (${deltas} events, ${delayMs} ms apart, ${failRatio * 100} % failing)`)
