import type { Logger } from '../logging/logger.ts'
import type { RequestLog } from '../logging/request-log.ts'
import type { Adjustments } from '../mapping/adjustments.ts'
import type { UpstreamReply } from '../upstream/upstream-client.ts'

/**
 * The response headers every upstream-bound route starts with, and its adjustments reported in
 * `x-gateway-adjustments`, the request's log line and the debug log.
 */
export const startHeaders = ({
  requestId,
  adjustments,
  log,
  logger,
}: {
  requestId: string
  adjustments: Adjustments
  log: RequestLog
  logger: Logger
}): Record<string, string> => {
  const headers: Record<string, string> = { 'x-request-id': requestId }
  if (adjustments.size === 0) return headers
  headers['x-gateway-adjustments'] = adjustments.toHeader()
  log.fields.adjustments = adjustments.toArray()
  logger.debug({ msg: 'request adjusted', request_id: requestId, adjustments: log.fields.adjustments })
  return headers
}

/** An upstream answer's status, request-id and attempts, in the log line and `x-upstream-request-id`. */
export const noteReply = (reply: UpstreamReply, log: RequestLog, headers: Record<string, string>) => {
  log.fields.upstream_status = reply.response.status
  log.fields.upstream_request_id = reply.requestId
  log.fields.attempts = reply.attempts
  if (reply.requestId) headers['x-upstream-request-id'] = reply.requestId
}
