import { Elysia } from 'elysia'
import type { Logger } from '../logging/logger.ts'
import { RequestLog } from '../logging/request-log.ts'
import type { Metrics } from '../metrics/metrics-registry.ts'
import { getRequestContext, setRequestContext } from './request-context.ts'
import { toRequestId } from './request-id.ts'

const statusOf = (response: unknown, fallback: unknown) => (response instanceof Response ? response.status : typeof fallback === 'number' ? fallback : 200)

/**
 * First on every request: its id (returned as x-request-id) and its log line, written once at the
 * end: here once the handler has answered, by the error plugin for a failure, by the auth plugin
 * for its 401/413, by the stream for a stream. (A CORS preflight, answered by the cors plugin's own
 * onRequest, gets none.) Not in onAfterResponse: Elysia runs those in a setImmediate'd async closure per request,
 * which took 8 of 20 µs per non-stream request in-process.
 */
export const requestContextPlugin = (log: Logger, metrics: Metrics | undefined) =>
  new Elysia({ name: 'request-context' })
    .onRequest(function identify({ request, set }) {
      const requestId = toRequestId(request.headers.get('x-request-id'))
      set.headers['x-request-id'] = requestId
      setRequestContext(request, {
        requestId,
        // The path is the router's: the route it chose (auth plugin) or, for no route, its 404 path.
        log: new RequestLog(log, { request_id: requestId, method: request.method, path: '' }, metrics?.observe),
      })
    })
    .onAfterHandle({ as: 'global' }, function writeLog({ request, set, responseValue }) {
      const context = getRequestContext(request)
      if (!context.log.deferred) context.log.write(statusOf(responseValue, set.status))
    })
