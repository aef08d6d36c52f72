import type { MessagesRequest } from '../anthropic/request-schema.ts'
import type { Message } from '../anthropic/response-schema.ts'
import { createMockPromptCache } from './mock-prompt-cache.ts'
import { echoMessage, errorBody, sseFrame, toStreamEvents, type WireEvent } from './mock-replies.ts'
import { findRequestError } from './mock-validation.ts'

/** What the mock answers to one request; scripted replies are used in order, then `echo`. */
export type MockReply =
  /** Says what it understood of the request, as JSON or as a stream, like the API would. */
  | { kind: 'echo' }
  /** This Message, as JSON or streamed event by event. */
  | { kind: 'message'; message: Message; chunkSize?: number }
  /** These events as SSE, `delayMs` apart; then the body ends, or stalls (byte-level cuts: test/support/raw-upstream.ts). */
  | { kind: 'events'; events: WireEvent[]; delayMs?: number; ending?: 'end' | 'stall' }
  /** Raw chunks of text (to split lines and characters anywhere), with a content type. */
  | { kind: 'chunks'; chunks: (string | Uint8Array)[]; contentType?: string; delayMs?: number; ending?: 'end' | 'stall' }
  /** An API error with the real body shape. */
  | { kind: 'error'; status: number; type: string; message: string; headers?: Record<string, string> }
  | { kind: 'raw'; status: number; body: string; headers?: Record<string, string> }
  /** Accepts the request and never answers. */
  | { kind: 'stall' }
  /** Waits before answering with `reply`. */
  | { kind: 'delay'; ms: number; reply: MockReply }

export type RecordedRequest = {
  url: string
  headers: Record<string, string>
  body: MessagesRequest
  /** Set when the gateway closed the connection before the mock finished its answer. */
  cancelledAt?: number
  receivedAt: number
}

export type MockUpstreamOptions = {
  port?: number
  hostname?: string
  /** When set, requests without this x-api-key get the API's 401. */
  apiKey?: string
  /** Check requests as the real API does (default on). */
  validate?: boolean
}

const encoder = new TextEncoder()

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', 'request-id': `req_mock_${status}`, ...headers } })

const streamOf = (
  chunks: readonly (string | Uint8Array)[],
  { delayMs = 0, ending = 'end', record }: { delayMs?: number; ending?: 'end' | 'stall'; record: RecordedRequest },
) => {
  let i = 0
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (i < chunks.length) {
        if (delayMs > 0 && i > 0) await Bun.sleep(delayMs)
        const chunk = chunks[i++] as string | Uint8Array
        controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk)
        return
      }
      if (ending === 'end') controller.close()
      else await new Promise(() => {}) // stall: the gateway's idle timer must act
    },
    cancel() {
      record.cancelledAt = performance.now()
    },
  })
}

const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'request-id': 'req_mock_stream' }

/**
 * A Messages API stand-in on 127.0.0.1 that speaks the real JSON and SSE wire format, checks
 * requests like the API, records them, and answers scripted faults. Used by the tests and the demo.
 */
export const createMockUpstream = ({ port = 0, hostname = '127.0.0.1', apiKey, validate = true }: MockUpstreamOptions = {}) => {
  const requests: RecordedRequest[] = []
  const script: MockReply[] = []
  const promptCache = createMockPromptCache()

  const answer = async (reply: MockReply, request: MessagesRequest, record: RecordedRequest, signal: AbortSignal): Promise<Response> => {
    switch (reply.kind) {
      case 'echo': {
        const message = echoMessage(request)
        const cached = promptCache(request, record.headers['x-api-key'] ?? '')
        if (cached) message.usage = { ...message.usage, ...cached }
        return answer({ kind: 'message', message }, request, record, signal)
      }
      case 'message':
        if (!request.stream) return json(200, reply.message)
        return new Response(streamOf(toStreamEvents(reply.message, { chunkSize: reply.chunkSize }).map(sseFrame), { record }), { headers: SSE_HEADERS })
      case 'events':
        return new Response(streamOf(reply.events.map(sseFrame), { delayMs: reply.delayMs, ending: reply.ending, record }), { headers: SSE_HEADERS })
      case 'chunks':
        return new Response(streamOf(reply.chunks, { delayMs: reply.delayMs, ending: reply.ending, record }), {
          headers: { ...SSE_HEADERS, 'content-type': reply.contentType ?? SSE_HEADERS['content-type'] },
        })
      case 'error':
        return json(reply.status, errorBody(reply.type, reply.message), reply.headers)
      case 'raw':
        return new Response(reply.body, { status: reply.status, headers: reply.headers })
      case 'stall':
        return new Promise<Response>((_, reject) => {
          signal.addEventListener('abort', () => {
            record.cancelledAt = performance.now()
            reject(new Error('closed by the gateway'))
          })
        })
      case 'delay': {
        // A cancel is noted when it happens, as a real server sees its connection close.
        const noteCancel = () => {
          record.cancelledAt ??= performance.now()
        }
        signal.addEventListener('abort', noteCancel, { once: true })
        if (signal.aborted) noteCancel()
        await Bun.sleep(reply.ms)
        signal.removeEventListener('abort', noteCancel)
        return answer(reply.reply, request, record, signal)
      }
      default: {
        const unreachable: never = reply
        throw new Error(`unknown mock reply ${JSON.stringify(unreachable)}`)
      }
    }
  }

  const server = Bun.serve({
    port,
    hostname,
    idleTimeout: 0,
    async fetch(req) {
      if (req.method !== 'POST') return json(405, errorBody('invalid_request_error', 'Method not allowed'))
      let body: MessagesRequest
      try {
        body = (await req.json()) as MessagesRequest
      } catch {
        return json(400, errorBody('invalid_request_error', 'There was an issue with the format of your request: invalid JSON'))
      }
      const record: RecordedRequest = { url: req.url, headers: Object.fromEntries(req.headers), body, receivedAt: performance.now() }
      requests.push(record)
      if (apiKey !== undefined && req.headers.get('x-api-key') !== apiKey) {
        return json(401, errorBody('authentication_error', 'invalid x-api-key'))
      }
      if (!req.headers.get('anthropic-version')) return json(400, errorBody('invalid_request_error', 'anthropic-version: header is required'))
      if (new URL(req.url).pathname.endsWith('/count_tokens')) {
        return json(200, { input_tokens: Math.max(1, Math.ceil(JSON.stringify(body.messages ?? []).length / 4)) })
      }
      const reply = script.shift() ?? { kind: 'echo' }
      const problem = validate && reply.kind !== 'error' && reply.kind !== 'raw' ? findRequestError(body) : undefined
      if (problem) return json(400, errorBody('invalid_request_error', problem))
      return answer(reply, body, record, req.signal)
    },
  })

  return {
    url: `http://${hostname}:${server.port}/v1/messages`,
    port: server.port as number,
    requests,
    /** Scripts the next replies, in order. */
    reply: (...replies: MockReply[]) => {
      script.push(...replies)
    },
    reset: () => {
      requests.length = 0
      script.length = 0
    },
    stop: () => server.stop(true),
  }
}

export type MockUpstream = ReturnType<typeof createMockUpstream>
