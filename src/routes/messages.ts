import { Elysia } from 'elysia'
import { NativeMessagesRequest } from '../anthropic/native-request-schema.ts'
import { gatewayFailed, type OpenAIError } from '../errors/openai-error.ts'
import { dropConnection, type ServerTimeout } from '../http/drop-connection.ts'
import { readJsonBody } from '../http/read-json-body.ts'
import { getRequestContext } from '../http/request-context.ts'
import { sessionHint } from '../http/session-hint.ts'
import type { KeyLimiter } from '../limits/key-limiter.ts'
import type { Logger } from '../logging/logger.ts'
import type { RequestLog } from '../logging/request-log.ts'
import type { RequestMappingOptions } from '../mapping/to-anthropic-request.ts'
import { toUpstreamNativeRequest } from '../mapping/to-upstream-native-request.ts'
import { createNativeUsageTap, toNativeUsageFields } from '../stream/native-usage-tap.ts'
import { passthroughEventStream } from '../stream/passthrough-event-stream.ts'
import type { StreamRegistry } from '../stream/stream-registry.ts'
import { parseUpstreamJson, readWholeBody } from '../upstream/read-whole-body.ts'
import type { UpstreamClient, UpstreamEndpoint, UpstreamReply } from '../upstream/upstream-client.ts'
import { beginExchange, noteReply } from './note-exchange.ts'

export type MessagesDeps = {
  mapping: RequestMappingOptions
  upstream: UpstreamClient
  idleTimeoutSeconds: number
  clientIdleSeconds: number
  maxBodyBytes: number
  log: Logger
  /** Bodies in flight are registered like chat streams: counted, waited for and cut by a drain. */
  registry: StreamRegistry
  limiter: KeyLimiter
  /** Largest upstream event the usage tap of a limited key holds. */
  maxEventSize: number
}

/** Upstream response headers an Anthropic-native client reads; the rest (set-cookie…) stays behind. */
const PASSED_HEADERS = ['content-type', 'request-id', 'retry-after', 'cache-control'] as const

/**
 * What the end of a passed-through stream does: log line, usage, registry, a dropped client's
 * connection. Made here, not in the async handler: a closure made there keeps every variable of it
 * alive for as long as the stream, the parsed request (the whole prompt) among them.
 */
const streamEnded =
  ({
    deps,
    inFlight,
    log,
    tap,
    server,
    request,
    reply,
  }: {
    deps: MessagesDeps
    inFlight: { abortWith: UpstreamReply['abort'] }
    log: RequestLog
    tap: ReturnType<typeof createNativeUsageTap> | undefined
    server: ServerTimeout
    request: Request
    reply: UpstreamReply
  }) =>
  (fault: OpenAIError | undefined) => {
    deps.registry.delete(inFlight)
    if (fault) log.noteError(fault)
    if (tap) Object.assign(log.fields, tap.usage())
    if (fault?.status === 499) dropConnection(server, request)
    log.write(fault?.status === 499 ? 499 : reply.response.status)
  }

/**
 * POST /v1/messages and /v1/messages/count_tokens for Anthropic-native clients (the Anthropic SDK,
 * Claude Code), with the same client keys (x-api-key or Bearer). Aliases and the max_tokens rules
 * apply; the rest of the request, and the whole answer (stream included), pass through unparsed.
 */
export const messagesRoute = (deps: MessagesDeps) => {
  const handle = (endpoint: UpstreamEndpoint) =>
    async function forward({
      body,
      request,
      server,
      set,
    }: {
      body: NativeMessagesRequest
      request: Request
      server: ServerTimeout
      set: { headers: Record<string, unknown> }
    }) {
      server?.timeout(request, 0)
      const context = getRequestContext(request)
      const { log } = context
      const plan = toUpstreamNativeRequest(body, { countTokens: endpoint === 'count_tokens' }, deps.mapping)
      const { headers, tried } = await beginExchange({
        context,
        plan: { ...plan, body: plan.body as NativeMessagesRequest & { model: string } },
        limiter: deps.limiter,
        choices: endpoint === 'count_tokens' ? 0 : 1,
        logger: deps.log,
        elysiaHeaders: set.headers,
      })
      const reply = await deps.upstream.send({
        body: JSON.stringify(plan.body),
        signal: request.signal,
        endpoint,
        betas: request.headers.get('anthropic-beta'),
        model: plan.body.model as string,
        session: sessionHint(request.headers, [], [(plan.body.metadata as { user_id?: unknown } | undefined)?.user_id]),
        tried,
      })
      noteReply(reply, log, headers)
      for (const name of PASSED_HEADERS) {
        const value = reply.response.headers.get(name)
        if (value) headers[name] = value
      }
      if (!reply.response.headers.get('content-type')?.startsWith('text/event-stream')) {
        // Read whole and checked before the status goes out: a cut body is a 502, never a 200 with
        // half a JSON. The chat route parses every answer too; an answer is kilobytes.
        const text = await readWholeBody(reply, deps.idleTimeoutSeconds)
        const answer = parseUpstreamJson(reply, text) as { usage?: unknown }
        // A limited key (its reservation settles when the log line is written) settles on what it used.
        if (log.onEnd) Object.assign(log.fields, toNativeUsageFields(answer.usage))
        log.markFirstByte()
        return new Response(text, { status: reply.response.status, headers })
      }
      log.deferred = true
      log.markFirstByte()
      // A limited key settles on the usage the stream reports, read beside the pass-through.
      const tap = log.onEnd && createNativeUsageTap({ maxEventSize: deps.maxEventSize })
      // Aborting the reply ends the body with an Anthropic error event (see passthroughEventStream).
      const inFlight = { abortWith: reply.abort }
      const piped = passthroughEventStream(reply, deps, streamEnded({ deps, inFlight, log, tap, server, request, reply }), tap?.feed)
      deps.registry.add(inFlight)
      try {
        return new Response(piped, { status: reply.response.status, headers })
      } catch (error) {
        // No answer leaves: the upstream stream must not run on (billed, and counted as open) behind it.
        deps.registry.delete(inFlight)
        reply.abort(gatewayFailed())
        throw error
      }
    }
  const options = { parse: ({ request }: { request: Request }) => readJsonBody(request, deps.maxBodyBytes), body: NativeMessagesRequest }
  return new Elysia({ name: 'messages' }).post('/v1/messages', handle('messages'), options).post('/v1/messages/count_tokens', handle('count_tokens'), options)
}
