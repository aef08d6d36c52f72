import { Elysia } from 'elysia'
import type { Message } from '../anthropic/response-schema.ts'
import { gatewayFailed } from '../errors/openai-error.ts'
import { connectionDropper } from '../http/drop-connection.ts'
import { readJsonBody } from '../http/read-json-body.ts'
import { getRequestContext } from '../http/request-context.ts'
import { sessionHint } from '../http/session-hint.ts'
import type { KeyLimiter } from '../limits/key-limiter.ts'
import type { Logger } from '../logging/logger.ts'
import type { RequestLog } from '../logging/request-log.ts'
import { type PromptCacheSettings, promptCacheBodies } from '../mapping/inject-cache-breakpoints.ts'
import { type AnthropicRequestPlan, type RequestMappingOptions, toAnthropicRequest } from '../mapping/to-anthropic-request.ts'
import { sumUsage } from '../mapping/to-openai-usage.ts'
import { ChatCompletionRequest } from '../openai/request-schema.ts'
import type { StreamOutcome } from '../stream/anthropic-to-openai.ts'
import { createChunkFrames } from '../stream/chunk-frames.ts'
import { mergeChoiceStreams } from '../stream/merge-choice-streams.ts'
import type { StreamRegistry } from '../stream/stream-registry.ts'
import type { UpstreamClient, UpstreamReply } from '../upstream/upstream-client.ts'
import { readUpstreamMessage, toCompletion } from './answer-json.ts'
import { completionIdOf, type OpenedStream, openUpstreamStream, type StreamSettings, toChunkStream } from './answer-stream.ts'
import { beginExchange, JSON_HEADERS, noteUsage, openNoted, SSE_HEADERS } from './note-exchange.ts'

export type ChatCompletionsDeps = {
  mapping: RequestMappingOptions
  promptCache: PromptCacheSettings
  upstream: UpstreamClient
  stream: StreamSettings
  registry: StreamRegistry
  limiter: KeyLimiter
  maxBodyBytes: number
  log: Logger
  /** Unix seconds; passed in so the mapping stays pure. */
  now: () => number
}

/**
 * Runs `work` once per choice; if any fails, the others are aborted, what they already opened is
 * released, and the first failure thrown.
 */
const forEachChoice = async <T>(n: number, signal: AbortSignal, work: (signal: AbortSignal) => Promise<T>, release?: (value: T) => void) => {
  if (n === 1) return [await work(signal)]
  const sibling = new AbortController()
  const shared = AbortSignal.any([signal, sibling.signal])
  const settled = await Promise.allSettled(Array.from({ length: n }, () => work(shared)))
  const failed = settled.find((result) => result.status === 'rejected')
  if (!failed) return settled.map((result) => (result as PromiseFulfilledResult<T>).value)
  sibling.abort()
  for (const result of settled) if (result.status === 'fulfilled') release?.(result.value)
  throw failed.reason
}

const noteOutcomes = (log: RequestLog, outcomes: readonly StreamOutcome[], logger: Logger) => {
  noteUsage(sumUsage(outcomes.map((outcome) => outcome.usage)), log)
  const error = outcomes.find((outcome) => outcome.error)?.error
  log.fields.finish_reason = outcomes[0]?.finishReason
  if (error) log.noteError(error)
  for (const outcome of outcomes) {
    if (outcome.unknownStopReason) logger.warn({ msg: 'unknown stop_reason, sent as stop', stop_reason: outcome.unknownStopReason })
  }
}

/** POST /v1/chat/completions: validate → map → upstream → map back, as JSON or as a stream. */
export const chatCompletionsRoute = (deps: ChatCompletionsDeps) =>
  new Elysia({ name: 'chat-completions' }).post(
    '/v1/chat/completions',
    async ({ body, request, server, set }) => {
      // The body is in: from here the answer may take minutes, so the server's idle timer stops.
      server?.timeout(request, 0)
      const context = getRequestContext(request)
      const { log } = context
      const plan = toAnthropicRequest(body, deps.mapping)
      const { headers, tried } = await beginExchange({ context, plan, limiter: deps.limiter, choices: plan.n, logger: deps.log, elysiaHeaders: set.headers })
      const args = {
        body: promptCacheBodies(plan.body, deps.promptCache),
        model: plan.body.model,
        // Not sent upstream (reported as ignored), but they name the session: its upstream stays.
        session: sessionHint(
          request.headers,
          [(body as Record<string, unknown>).prompt_cache_key],
          [(body as Record<string, unknown>).safety_identifier, body.user],
        ),
        tried,
      }
      const created = Math.floor(deps.now())
      const common = { deps, plan, created, headers, log, signal: request.signal }
      return plan.stream
        ? answerStream({
            ...common,
            open: openNoted(deps.upstream, args, log, headers, (reply) => openUpstreamStream(reply, deps.stream)),
            dropClient: connectionDropper(server, request),
          })
        : answerJson({
            ...common,
            open: openNoted(deps.upstream, args, log, headers, async (reply) => ({
              reply,
              message: await readUpstreamMessage(reply, deps.stream.idleTimeoutSeconds),
            })),
          })
    },
    { parse: ({ request }) => readJsonBody(request, deps.maxBodyBytes), body: ChatCompletionRequest },
  )

type AnswerArgs<T> = {
  deps: ChatCompletionsDeps
  plan: AnthropicRequestPlan
  open: (signal: AbortSignal) => Promise<T>
  created: number
  headers: Record<string, string>
  log: RequestLog
  signal: AbortSignal
  /** Closes the connection of a client that stopped reading (streams only). */
  dropClient?: () => void
}

const answerJson = async ({ plan, open, created, headers, log, signal }: AnswerArgs<{ reply: UpstreamReply; message: Message }>) => {
  const messages = (await forEachChoice(plan.n, signal, open)).map((answer) => answer.message)
  const completion = toCompletion(messages, plan, created)
  noteUsage(completion.usage, log)
  log.fields.finish_reason = completion.choices[0]?.finish_reason
  log.markFirstByte()
  return new Response(JSON.stringify(completion), { headers: { ...JSON_HEADERS, ...headers } })
}

const answerStream = async (args: AnswerArgs<OpenedStream>) => {
  const opened = await forEachChoice(args.plan.n, args.signal, args.open, (stream) => {
    stream.body.cancel().catch(() => {})
  })
  try {
    return streamResponse(opened, args)
  } catch (error) {
    // No answer leaves: the upstream streams must not run on (billed, and counted as open) behind it.
    for (const stream of opened) stream.reply.abort(gatewayFailed())
    throw error
  }
}

const streamResponse = (opened: readonly OpenedStream[], { deps, plan, created, headers, log, dropClient }: AnswerArgs<OpenedStream>) => {
  const first = opened[0] as (typeof opened)[number]
  const id = completionIdOf(first.first, log.fields.request_id)
  const outcomes: StreamOutcome[] = []
  // The closures below live as long as the stream: they take these, not the plan and its body.
  const { n, includeUsage, requestedModel } = plan
  const terminal = n === 1
  log.deferred = true
  // A loop, not map(): a callback naming `plan` would keep it (and its body) in the scope of onEnd.
  const choices: ReadableStream<Uint8Array>[] = []
  for (const [choiceIndex, stream] of opened.entries()) {
    const { mapper, frames } = toChunkStream({
      opened: stream,
      plan,
      id,
      created,
      choiceIndex,
      terminal,
      settings: deps.stream,
      onEnd: (outcome) => {
        deps.registry.delete(mapper)
        outcomes.push(outcome)
        if (outcomes.length < n && !outcome.error) return
        noteOutcomes(log, outcomes, deps.log)
        if (outcome.error?.status === 499) dropClient?.()
        log.write(outcome.error?.status === 499 ? 499 : 200)
      },
    })
    deps.registry.add(mapper)
    choices.push(frames)
  }
  const frames = terminal
    ? (choices[0] as ReadableStream<Uint8Array>)
    : mergeChoiceStreams({
        streams: choices,
        usageFrame: () =>
          includeUsage
            ? createChunkFrames({ id, created, model: requestedModel, choiceIndex: 0, includeUsage: true }).usage(
                sumUsage(outcomes.map((outcome) => outcome.usage)),
              )
            : '',
        firstError: () => outcomes.find((outcome) => outcome.error)?.error,
      })
  log.markFirstByte()
  return new Response(frames, { headers: { ...SSE_HEADERS, ...headers } })
}
