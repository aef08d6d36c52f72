// Upstream faults for the soak test. A request picks one by carrying `bench-fault=<kind>` in its
// text (the soak puts it in the user message, which a gateway passes through unchanged).
//   overloaded  529 overloaded_error before any stream
//   sse-error   a stream that breaks off with `event: error` (non-stream: a 500 api_error)
//   cut         the connection dies mid-stream (non-stream: mid-body)
//   stall       silence for FAST_UPSTREAM_STALL_MS mid-stream (non-stream: before the answer)
// Apart from those, an upstream can fail a share of all requests at random (failingAnswer).

import { sseFrame } from '../src/mock-upstream/mock-replies.ts'
import type { Variant } from './anthropic-bodies.ts'
import { pacedResponse } from './paced-response.ts'

export const FAULT_KINDS = ['overloaded', 'sse-error', 'cut', 'stall'] as const
export type FaultKind = (typeof FAULT_KINDS)[number]

const MARKER = /bench-fault=([a-z-]+)/

export function faultIn(requestText: string): FaultKind | undefined {
  const kind = MARKER.exec(requestText)?.[1]
  return FAULT_KINDS.find((k) => k === kind)
}

// Events a faulty stream sends before its fault: enough that the gateway has already
// answered 200 and relayed content, so the fault is truly mid-stream.
const EVENTS_BEFORE_FAULT = 8

const overloaded = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }
const apiError = { type: 'error', error: { type: 'api_error', message: 'Internal server error' } }
const sseError = new TextEncoder().encode(sseFrame(overloaded))
const sseHeaders = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' }

/** An overloaded account or a server error, half and half: what a pool fails over from. */
export function failingAnswer(): Response {
  return Math.random() < 0.5 ? Response.json(overloaded, { status: 529 }) : Response.json(apiError, { status: 500 })
}

/** The response for a faulty request. `stallMs` must exceed the gateway's upstream timeout. */
export async function faultResponse(kind: FaultKind, stream: boolean, answer: Variant, delayMs: number, stallMs: number): Promise<Response> {
  if (kind === 'overloaded') return Response.json(overloaded, { status: 529 })
  if (!stream) {
    if (kind === 'stall') {
      await Bun.sleep(stallMs)
      return new Response(answer.json, { headers: { 'content-type': 'application/json' } })
    }
    // Without a stream, an upstream error is a plain error status.
    if (kind === 'sse-error') return Response.json(apiError, { status: 500 })
    // A JSON body cut halfway: the headers promise the full length, the socket dies early.
    return pacedResponse(
      [answer.json.subarray(0, answer.json.length >> 1)],
      { 'content-type': 'application/json', 'content-length': String(answer.json.length) },
      { delayMs: 0, ending: 'cut' },
    )
  }
  const head = answer.events.slice(0, EVENTS_BEFORE_FAULT)
  if (kind === 'sse-error') return pacedResponse([...head, sseError], sseHeaders, { delayMs, ending: 'end' })
  if (kind === 'cut') return pacedResponse(head, sseHeaders, { delayMs, ending: 'cut' })
  return pacedResponse(answer.events, sseHeaders, {
    delayMs,
    ending: 'end',
    stall: { at: EVENTS_BEFORE_FAULT, ms: stallMs },
  })
}
