import type { Logger } from '../logging/logger.ts'
import type { RequestLog } from '../logging/request-log.ts'
import type { Adjustments } from '../mapping/adjustments.ts'
import type { CompletionUsage } from '../openai/response-schema.ts'
import type { UpstreamReply } from '../upstream/upstream-client.ts'

/**
 * The response headers every upstream-bound route starts with, and its adjustments reported in
 * `x-gateway-adjustments`, the request's log line and the debug log.
 *
 * The request id moves from Elysia's `set.headers` into the route's own headers: with nothing
 * left to merge, Elysia sends the route's Response as it is instead of copying it (a sixth of the
 * handler's time in a profile). An error thrown later gets the id back from the error plugin.
 */
export const startHeaders = ({
  requestId,
  adjustments,
  log,
  logger,
  elysiaHeaders,
}: {
  requestId: string
  adjustments: Adjustments
  log: RequestLog
  logger: Logger
  elysiaHeaders: Record<string, unknown>
}): Record<string, string> => {
  delete elysiaHeaders['x-request-id']
  const headers: Record<string, string> = { 'x-request-id': requestId }
  if (adjustments.size === 0) return headers
  headers['x-gateway-adjustments'] = adjustments.toHeader()
  log.fields.adjustments = adjustments.toArray()
  logger.debug({ msg: 'request adjusted', request_id: requestId, adjustments: log.fields.adjustments })
  return headers
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
