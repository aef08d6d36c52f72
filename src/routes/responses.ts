import { Elysia } from 'elysia'
import type { Message } from '../anthropic/response-schema.ts'
import { gatewayFailed, OpenAIError } from '../errors/openai-error.ts'
import { connectionDropper } from '../http/drop-connection.ts'
import { readJsonBody } from '../http/read-json-body.ts'
import { getRequestContext } from '../http/request-context.ts'
import { sessionHint } from '../http/session-hint.ts'
import type { KeyLimiter } from '../limits/key-limiter.ts'
import type { Logger } from '../logging/logger.ts'
import type { RequestLog } from '../logging/request-log.ts'
import { type PromptCacheSettings, promptCacheBodies } from '../mapping/inject-cache-breakpoints.ts'
import { type ResponsesRequestPlan, responsesToAnthropic } from '../mapping/responses-to-anthropic.ts'
import type { RequestMappingOptions } from '../mapping/to-anthropic-request.ts'
import { toResponseSkeleton } from '../mapping/to-response-skeleton.ts'
import { type ResponsesOutputContext, toResponseObject, toResponsesOutput } from '../mapping/to-responses-output.ts'
import { type InputItemWithId, type StoredResponseData, toStoredResponse, withItemIds } from '../mapping/to-stored-response.ts'
import { newResponseId, type ResponseIdPrefix } from '../openai/response-ids.ts'
import { ResponsesRequest } from '../openai/responses-request-schema.ts'
import type { ResponseObject, ResponseSkeleton } from '../openai/responses-schema.ts'
import type { ResponseStore } from '../store/response-store.ts'
import type { StreamRegistry } from '../stream/stream-registry.ts'
import type { OpenReply, UpstreamClient, UpstreamReply, UpstreamSendArgs } from '../upstream/upstream-client.ts'
import { readUpstreamMessage } from './answer-json.ts'
import { toResponsesEventStream } from './answer-responses-stream.ts'
import { type OpenedStream, openUpstreamStream, type StreamSettings } from './answer-stream.ts'
import { toInputItemsPage } from './input-items-page.ts'
import { beginExchange, JSON_HEADERS, noteResponseUsage, openNoted, SSE_HEADERS } from './note-exchange.ts'
import { fromStore, resolveResponsesInput } from './resolve-responses-input.ts'

export type ResponsesDeps = {
  mapping: RequestMappingOptions
  promptCache: PromptCacheSettings
  upstream: UpstreamClient
  stream: StreamSettings
  registry: StreamRegistry
  limiter: KeyLimiter
  store: ResponseStore
  /** RESPONSES_TTL_DAYS in seconds. */
  ttlSeconds: number
  maxBodyBytes: number
  log: Logger
  /** Unix seconds; passed in so the mapping stays pure. */
  now: () => number
  newId?: (prefix: ResponseIdPrefix) => string
}

/** Every stored-response route answers for the authenticated key's own responses only. */
const ownerOf = (request: Request) => {
  const { keyId } = getRequestContext(request)
  if (keyId === undefined) throw new Error('no client key id: the auth plugin must run before the responses routes')
  return keyId
}

const responseNotFound = (id: string) =>
  new OpenAIError({ status: 404, type: 'invalid_request_error', code: 'not_found', param: null, message: `Response with id '${id}' not found.` })

const json = (body: unknown, headers: Record<string, string> = {}) => new Response(JSON.stringify(body), { headers: { ...JSON_HEADERS, ...headers } })

/** Everything both answer paths need about one create request. */
type Exchange = {
  deps: ResponsesDeps
  plan: ResponsesRequestPlan
  skeleton: ResponseSkeleton
  newId: (prefix: ResponseIdPrefix) => string
  input: InputItemWithId[]
  keyId: string
  log: RequestLog
  headers: Record<string, string>
  /** Asks the pool for an answer, read as far as `read` reads before it counts (failover until then). */
  open: <T extends { reply: UpstreamReply }>(read: OpenReply<T>) => (signal: AbortSignal) => Promise<T>
  signal: AbortSignal
  /** Closes the connection of a client that stopped reading (streams only). */
  dropClient: () => void
}

const outputContext = ({ plan, newId }: Exchange): ResponsesOutputContext => ({
  newId,
  includeEncryptedReasoning: plan.includeEncryptedReasoning,
  summary: plan.summary,
  toolNames: plan.toolNames,
  jsonTool: plan.jsonTool,
})

/** Exchange.open, made outside the async handler, whose closures would keep all its variables. */
const openerOf =
  (upstream: UpstreamClient, args: Omit<UpstreamSendArgs, 'signal'>, log: RequestLog, headers: Record<string, string>): Exchange['open'] =>
  (read) =>
    openNoted(upstream, args, log, headers, read)

/** The store write of a finished response; awaited before the client sees the answer. */
const storeResponse = (exchange: Exchange) => (response: ResponseObject, message: Message) =>
  fromStore(
    exchange.deps.store.put(
      toStoredResponse({ response, message, plan: exchange.plan, input: exchange.input, keyId: exchange.keyId, ttlSeconds: exchange.deps.ttlSeconds }),
    ),
  )

const answerJson = async (exchange: Exchange) => {
  const { deps, plan, log, headers, skeleton } = exchange
  const read = exchange.open(async (reply) => ({ reply, message: await readUpstreamMessage(reply, deps.stream.idleTimeoutSeconds) }))
  const { message } = await read(exchange.signal)
  const { unknownStopReason, output, usage, status, incomplete_details } = toResponsesOutput(message, outputContext(exchange))
  if (unknownStopReason) deps.log.warn({ msg: 'unknown stop_reason, answered as completed', stop_reason: unknownStopReason })
  const response = toResponseObject(skeleton, { status, incomplete_details, error: null, output, usage })
  if (plan.store) await storeResponse(exchange)(response, message)
  noteResponseUsage(usage, log)
  log.fields.finish_reason = status
  log.markFirstByte()
  return json(response, headers)
}

const answerStream = async (exchange: Exchange) => {
  const opened = await exchange.open((reply) => openUpstreamStream(reply, exchange.deps.stream))(exchange.signal)
  try {
    return streamResponse(opened, exchange)
  } catch (error) {
    // No answer leaves: the upstream stream must not run on (billed, and counted as open) behind it.
    opened.reply.abort(gatewayFailed())
    throw error
  }
}

const streamResponse = (opened: OpenedStream, exchange: Exchange) => {
  // onEnd lives as long as the stream: it takes these, not the exchange (with the request's input).
  const { deps, plan, log, headers, skeleton, dropClient } = exchange
  log.deferred = true
  const { stage, frames } = toResponsesEventStream({
    opened,
    skeleton,
    context: outputContext(exchange),
    settings: deps.stream,
    beforeTerminal: plan.store ? storeResponse(exchange) : undefined,
    onEnd: ({ response, error, unknownStopReason }) => {
      deps.registry.delete(stage)
      if (unknownStopReason) deps.log.warn({ msg: 'unknown stop_reason, answered as completed', stop_reason: unknownStopReason })
      noteResponseUsage(response?.usage, log)
      log.fields.finish_reason = response?.status
      if (error) log.noteError(error)
      if (error?.status === 499) dropClient()
      log.write(error?.status === 499 ? 499 : 200)
    },
  })
  deps.registry.add(stage)
  log.markFirstByte()
  return new Response(frames, { headers: { ...SSE_HEADERS, ...headers } })
}

/**
 * POST /v1/responses (JSON, or SSE with stream:true); GET and DELETE /v1/responses/{id};
 * GET /v1/responses/{id}/input_items. Stored responses are the authenticated key's own: any other
 * id answers as absent.
 */
export const responsesRoute = (deps: ResponsesDeps) => {
  const newId = deps.newId ?? newResponseId
  const stored = async (request: Request, id: string) => {
    const record = await fromStore(deps.store.get(id, ownerOf(request)))
    if (!record) throw responseNotFound(id)
    return record.data as StoredResponseData
  }
  return new Elysia({ name: 'responses' })
    .post(
      '/v1/responses',
      async ({ body, request, server, set }) => {
        // The body is in: from here the answer may take minutes, so the server's idle timer stops.
        server?.timeout(request, 0)
        const context = getRequestContext(request)
        const { log } = context
        const keyId = ownerOf(request)
        const resolved = await resolveResponsesInput(body, deps.store, keyId)
        const plan = responsesToAnthropic(body, resolved, deps.mapping)
        const { headers, tried } = await beginExchange({ context, plan, limiter: deps.limiter, choices: 1, logger: deps.log, elysiaHeaders: set.headers })
        const args = {
          body: promptCacheBodies(plan.body, deps.promptCache),
          model: plan.body.model,
          session: sessionHint(request.headers, [body.prompt_cache_key], [body.safety_identifier, body.user]),
          tried,
        }
        const exchange: Exchange = {
          deps,
          plan,
          skeleton: toResponseSkeleton(body, plan, { id: newId('resp'), createdAt: Math.floor(deps.now()) }),
          newId,
          input: withItemIds(resolved.items, newId),
          keyId,
          log,
          headers,
          open: openerOf(deps.upstream, args, log, headers),
          signal: request.signal,
          dropClient: connectionDropper(server, request),
        }
        return plan.stream ? answerStream(exchange) : answerJson(exchange)
      },
      { parse: ({ request }) => readJsonBody(request, deps.maxBodyBytes), body: ResponsesRequest },
    )
    .get('/v1/responses/:id', async ({ params, request }) => json((await stored(request, params.id)).response))
    .delete('/v1/responses/:id', async ({ params, request }) => {
      if (!(await fromStore(deps.store.delete(params.id, ownerOf(request))))) throw responseNotFound(params.id)
      return json({ id: params.id, object: 'response', deleted: true })
    })
    .get('/v1/responses/:id/input_items', async ({ params, query, request }) =>
      json(toInputItemsPage((await stored(request, params.id)).input, query as Record<string, string | undefined>)),
    )
}
