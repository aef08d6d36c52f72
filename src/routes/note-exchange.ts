import type { RequestContext } from '../http/request-context.ts'
import type { KeyLimiter } from '../limits/key-limiter.ts'
import type { Logger } from '../logging/logger.ts'
import type { RequestLog } from '../logging/request-log.ts'
import type { Adjustments } from '../mapping/adjustments.ts'
import type { CompletionUsage } from '../openai/response-schema.ts'
import type { ResponseUsage } from '../openai/responses-schema.ts'
import type { OpenReply, UpstreamClient, UpstreamReply, UpstreamSendArgs } from '../upstream/upstream-client.ts'

export const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' } as const
export const JSON_HEADERS = { 'content-type': 'application/json' } as const

/**
 * The response headers every upstream-bound route starts with, and its adjustments reported in
 * `x-gateway-adjustments`, the request's log line and the debug log.
 *
 * The request id moves from Elysia's `set.headers` into the route's own headers: with nothing
 * left to merge, Elysia sends the route's Response as it is instead of copying it (a sixth of the
 * handler's time in a profile). An error thrown later gets the id back from the error plugin.
 */
const startHeaders = ({
  requestId,
  limitHeaders,
  adjustments,
  log,
  logger,
  elysiaHeaders,
}: {
  requestId: string
  /** A limited key's x-ratelimit-* headers. */
  limitHeaders: Record<string, string> | undefined
  adjustments: Adjustments
  log: RequestLog
  logger: Logger
  elysiaHeaders: Record<string, unknown>
}): Record<string, string> => {
  delete elysiaHeaders['x-request-id']
  const headers: Record<string, string> = limitHeaders ? { 'x-request-id': requestId, ...limitHeaders } : { 'x-request-id': requestId }
  if (adjustments.size === 0) return headers
  headers['x-gateway-adjustments'] = adjustments.toHeader()
  log.fields.adjustments = adjustments.toArray()
  logger.debug({ msg: 'request adjusted', request_id: requestId, adjustments: log.fields.adjustments })
  return headers
}

/** What a mapped request brings to the exchange: the model asked and sent, its body and adjustments. */
export type ExchangePlan = {
  requestedModel: string
  body: Parameters<KeyLimiter['admit']>[1]
  stream: boolean
  adjustments: Adjustments
}

/**
 * The steps every upstream route takes once its request is mapped, in this order: the log line
 * learns the model, the key's limits admit it (nothing goes upstream otherwise), the answer's
 * headers start, and the log line gets the list the pool fills with every upstream it tries.
 */
export const beginExchange = async ({
  context,
  plan,
  limiter,
  choices,
  logger,
  elysiaHeaders,
}: {
  context: RequestContext
  plan: ExchangePlan
  limiter: KeyLimiter
  /** Answers the request asks for (n), 0 for one that produces none (count_tokens). */
  choices: number
  logger: Logger
  elysiaHeaders: Record<string, unknown>
}) => {
  const { requestId, log } = context
  Object.assign(log.fields, { model: plan.requestedModel, upstream_model: plan.body.model, stream: plan.stream })
  const admission = limiter.admit(context, plan.body, choices)
  if (admission !== undefined) await admission
  const headers = startHeaders({ requestId, limitHeaders: context.limitHeaders, adjustments: plan.adjustments, log, logger, elysiaHeaders })
  const tried: string[] = []
  log.fields.upstreams_tried = tried
  return { headers, tried }
}

/**
 * An upstream answer's status, request-id, attempts and member in the log line and
 * `x-upstream-request-id`; what was changed for that member joins `x-gateway-adjustments`.
 */
export const noteReply = (reply: UpstreamReply, log: RequestLog, headers: Record<string, string>) => {
  log.fields.upstream_status = reply.response.status
  log.fields.upstream_request_id = reply.requestId
  log.fields.attempts = reply.attempts
  log.fields.upstream = reply.upstream
  if (reply.requestId) headers['x-upstream-request-id'] = reply.requestId
  if (reply.adjustments.length === 0) return
  log.fields.adjustments = [...new Set([...(log.fields.adjustments ?? []), ...reply.adjustments])]
  headers['x-gateway-adjustments'] = log.fields.adjustments.join(',')
}

/** An answer's tokens in the log line (and so in the tokens-by-kind metric), cache reads and writes apart. */
export const noteUsage = (usage: CompletionUsage, log: RequestLog) => {
  log.fields.prompt_tokens = usage.prompt_tokens
  log.fields.completion_tokens = usage.completion_tokens
  log.fields.cache_read_tokens = usage.prompt_tokens_details.cached_tokens
  log.fields.cache_write_tokens = usage.prompt_tokens_details.cache_write_tokens
}

/** The same for a Responses API usage object (its names for the same counts). */
export const noteResponseUsage = (usage: ResponseUsage | null | undefined, log: RequestLog) => {
  if (!usage) return
  log.fields.prompt_tokens = usage.input_tokens
  log.fields.completion_tokens = usage.output_tokens
  log.fields.cache_read_tokens = usage.input_tokens_details.cached_tokens
  log.fields.cache_write_tokens = usage.input_tokens_details.cache_write_tokens
}

/** Opens one upstream answer (its start read before it counts), and notes it in the log line and the response headers. */
export const openNoted =
  <T extends { reply: UpstreamReply }>(
    upstream: UpstreamClient,
    args: Omit<UpstreamSendArgs, 'signal'>,
    log: RequestLog,
    headers: Record<string, string>,
    read: OpenReply<T>,
  ) =>
  async (signal: AbortSignal) => {
    const opened = await upstream.open({ ...args, signal }, read)
    noteReply(opened.reply, log, headers)
    return opened
  }
