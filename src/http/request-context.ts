import type { RequestLog } from '../logging/request-log.ts'

/**
 * Per-request facts set on arrival (before the body is read) and used by the route and the log.
 * `keyId` is the authenticated client key's id (never the key): stored responses belong to it.
 */
export type RequestContext = { requestId: string; log: RequestLog; keyId?: string }

const contexts = new WeakMap<Request, RequestContext>()

export const setRequestContext = (request: Request, context: RequestContext) => contexts.set(request, context)

export const findRequestContext = (request: Request): RequestContext | undefined => contexts.get(request)

export const getRequestContext = (request: Request): RequestContext => {
  const context = contexts.get(request)
  if (!context) throw new Error('request context missing: the request plugin must be registered first')
  return context
}

/** The path of a request URL without building a URL object. */
export const pathOf = (url: string): string => {
  const start = url.indexOf('/', url.indexOf('//') + 2)
  if (start < 0) return '/'
  const query = url.indexOf('?', start)
  return query < 0 ? url.slice(start) : url.slice(start, query)
}
